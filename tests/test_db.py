"""How the registry talks to both engines, and proof that a run uses the one it asked for."""

import os
from datetime import UTC, datetime

import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from registry import db
from registry.principles.tables import PrinciplesVersion


def version(version_id: str, status: str = "draft") -> PrinciplesVersion:
    return PrinciplesVersion(version_id=version_id, status=status, text_of_record="en",
                             content_hash="0" * 64, created_at=datetime.now(UTC))


async def test_a_unique_violation_is_one_domain_error_on_either_engine(settings):
    await PrinciplesVersion.insert(version("7.0"))

    async def add_two() -> None:
        async with db.write_transaction():
            with db.unique_violations_as_domain_error():
                await PrinciplesVersion.insert(version("7.1"))
                await PrinciplesVersion.insert(version("7.0"))

    with pytest.raises(db.UniqueViolation):
        await add_two()
    # The transaction rolled back whole: 7.1 was not half-written.
    assert [r["version_id"] for r in await PrinciplesVersion.select()] == ["7.0"]


async def test_the_partial_unique_index_allows_only_one_version_in_force(settings):
    await PrinciplesVersion.insert(version("7.0", "in_force"), version("7.1", "superseded"),
                                   version("7.2", "superseded"))
    with pytest.raises(db.UniqueViolation), db.unique_violations_as_domain_error():
        await PrinciplesVersion.insert(version("7.3", "in_force"))


async def test_other_integrity_errors_are_not_disguised(settings):
    import sqlite3

    import asyncpg

    from registry.principles.tables import PrinciplesText

    foreign_key_errors = (sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)
    with pytest.raises(foreign_key_errors) as raised, db.unique_violations_as_domain_error():
        await PrinciplesText.insert(PrinciplesText(
            version=999_999, language="en", official=True, title="t", canonical="{}",
            content_hash="0" * 64, created_at=datetime.now(UTC)))
    assert not isinstance(raised.value, db.UniqueViolation)  # a foreign key, not a duplicate


async def test_the_requested_engine_is_the_one_in_use(settings):
    requested = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
    if requested.startswith("postgres"):
        assert isinstance(db.engine(), PostgresEngine)
        rows = await PrinciplesVersion.raw("SELECT version() AS v")
        assert rows[0]["v"].startswith("PostgreSQL")
    else:
        assert isinstance(db.engine(), SQLiteEngine)
        rows = await PrinciplesVersion.raw("PRAGMA journal_mode")
        assert rows[0]["journal_mode"] == "wal"
    assert PrinciplesVersion._meta.db is db.engine()


def test_the_data_directory_and_the_sqlite_file_are_private_whatever_the_umask(tmp_path,
                                                                              migrated):
    """A careless umask must not leave the database readable by the host's other users."""
    import os
    import sqlite3
    import stat

    from registry import db, runtime
    from tests.conftest import make_settings

    data_dir = tmp_path / "var"
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)  # noqa: S103 - the careless folder under test
    old = os.umask(0)
    try:
        for where, database in ((data_dir, data_dir / "registry.sqlite3"),
                                (loose, loose / "registry.sqlite3")):
            settings = make_settings(where, f"sqlite:///{database}")
            db.configure(settings)
            with sqlite3.connect(database) as connection:  # a write makes the -wal file
                connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
                connection.execute("INSERT INTO t VALUES (1)")
                wal = database.with_name(database.name + "-wal")
                assert stat.S_IMODE(wal.stat().st_mode) == 0o600
            assert stat.S_IMODE(where.stat().st_mode) == 0o700
            assert stat.S_IMODE(database.stat().st_mode) == 0o600
        # A SQLite file elsewhere: its folder, not the registry's, is left as it was.
        shared = tmp_path / "shared"
        shared.mkdir()
        os.chmod(shared, 0o755)  # noqa: S103 - a folder not the registry's
        db.configure(make_settings(data_dir, f"sqlite:///{shared / 'r.sqlite3'}"))
        assert stat.S_IMODE(shared.stat().st_mode) == 0o755
        assert stat.S_IMODE((shared / "r.sqlite3").stat().st_mode) == 0o600
    finally:
        os.umask(old)
        runtime.configure(migrated)  # the run's database again, for the tests after


async def test_kept_sqlite_readers_see_each_commit_and_leave_writes_alone(settings):
    """While the app runs, SQLite reads outside a transaction reuse kept connections
    (a new one per query cost most of a page): each read still sees what another
    process committed just before, and nothing but SELECTs takes one."""
    import sqlite3

    engine = db.engine()
    if not isinstance(engine, db.KeptReadsSQLiteEngine):
        pytest.skip("SQLite's kept readers; PostgreSQL has its pool")
    await db.start(engine)
    try:
        for n in range(3):
            assert len(await PrinciplesVersion.select()) == n
            kept = engine.kept_connections()
            assert len(kept) == 1  # one connection, used again and again
            other = sqlite3.connect(engine.path)  # another process commits
            other.execute("INSERT INTO principles_version (version_id, status, "
                          "text_of_record, content_hash, created_at) VALUES (?, 'draft', "
                          "'en', ?, ?)", (f"9.{n}", "0" * 64, datetime.now(UTC).isoformat()))
            other.commit()
            other.close()
        assert len(await PrinciplesVersion.select()) == 3
        reader = engine.kept_connections()[0]
        async with db.write_transaction():  # a write takes a connection of its own
            await PrinciplesVersion.insert(version("9.9"))
            assert engine.kept_connections() == [reader]
        await PrinciplesVersion.delete().where(PrinciplesVersion.version_id == "9.9")
        assert len(await PrinciplesVersion.select()) == 3
        assert engine.kept_connections() == [reader]
        # However many read at once, at most READERS connections are open.
        import asyncio
        await asyncio.gather(*[PrinciplesVersion.select() for _ in range(40)])
        assert 1 <= len(engine.kept_connections()) <= engine.opened <= engine.READERS
    finally:
        await db.stop(engine)
    assert engine.kept is None
    assert len(await PrinciplesVersion.select()) == 3  # as before: a connection per query


async def test_a_pooled_postgresql_connection_goes_back_without_a_reset_query(settings):
    """One round trip per query outside a transaction, not two: the pool does not send
    `RESET ALL; UNLISTEN *; ...` after each (no connection of the pool changes its
    session), and what a query reads is still right."""
    engine = db.engine()
    if not isinstance(engine, PostgresEngine):
        pytest.skip("PostgreSQL's pool; SQLite has none")
    await db.start(engine, pool_size=1)
    try:
        sent: list[str] = []
        async with engine.pool.acquire() as connection:
            connection.add_query_logger(lambda record: sent.append(record.query))
            await connection.fetch("SELECT 1")
        assert sent == ["SELECT 1"]
        await PrinciplesVersion.insert(version("8.0"))
        assert [r["version_id"] for r in await PrinciplesVersion.select()] == ["8.0"]
    finally:
        await db.stop(engine)
