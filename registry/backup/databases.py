"""The database's side of a backup, one consistent snapshot on either engine, taken while
the service runs; and its restore into an empty database of the same engine.

SQLite: the online backup API copies the whole file in one step into memory, under one
read transaction (WAL lets the service write on meanwhile); the rows are counted in the
copy. PostgreSQL: a repeatable-read transaction exports its snapshot, counts the rows in
it, and `pg_dump --snapshot` dumps exactly that (custom format, no owners, no
privileges); `pg_restore --single-transaction` restores all of it or nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import secrets
import shutil
import sqlite3
import tempfile
import zlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from registry.backup import BackupRefused
from registry.backup.archive import POSTGRES_MEMBER, SQLITE_MEMBER, Snapshot

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def engine_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return SQLITE
    if scheme in ("postgresql", "postgres"):
        return POSTGRESQL
    raise BackupRefused(f"unsupported database URL scheme {scheme!r}")


def sqlite_path(url: str) -> Path:
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else urlsplit(url).path
    if not path:
        raise BackupRefused(f"no file in the database URL {url!r}")
    return Path(path)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite -------------------------------------------------------------------------------

def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {name: connection.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]  # noqa: S608
            for name in names}


def _sqlite_migrations(connection: sqlite3.Connection, tables: dict[str, int]
                       ) -> list[tuple[str, str]]:
    if "migration" not in tables:
        return []
    return [(app, name) for app, name in connection.execute(
        "SELECT app_name, name FROM migration")]


def sqlite_snapshot(url: str) -> Snapshot:
    path = sqlite_path(url)
    if not path.is_file():
        raise BackupRefused(f"no database at {path}: nothing to back up")
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as source, \
                contextlib.closing(sqlite3.connect(":memory:")) as copy:
            source.execute("PRAGMA query_only = ON")
            source.backup(copy)
            tables = _sqlite_counts(copy)
            migrations = _sqlite_migrations(copy, tables)
            data = copy.serialize()
    except sqlite3.Error as error:
        raise BackupRefused(f"cannot back up the SQLite database {path}: {error}") from error
    return Snapshot(engine=SQLITE, member=SQLITE_MEMBER, data=gzip.compress(data, 6),
                    migrations=migrations, tables=tables,
                    details={"sqlite_version": sqlite3.sqlite_version})


def _sqlite_refuse_unless_empty(path: Path) -> None:
    """Empty: no file, an empty file, or a database without a single table, view, index
    or trigger (as a first `registry migrate` would find it)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as target:
            found = target.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupRefused(f"{path} is not an empty SQLite database ({error}): restore "
                            f"only into a new file") from error
    if found:
        raise BackupRefused(f"the database {path} is not empty ({found} tables, indexes "
                            f"and triggers): restore only into a new file; move this one away")


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sqlite_restore(url: str, dump: bytes, expected: dict[str, int]) -> None:
    """Write the database beside its place, check it (integrity, the manifest's row
    counts), then move it into place in one rename."""
    path = sqlite_path(url).resolve()
    _sqlite_refuse_unless_empty(path)
    try:
        data = gzip.decompress(dump)
    except (OSError, EOFError, zlib.error) as error:
        raise BackupRefused(f"the backup's database is damaged: {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.restore-{secrets.token_hex(4)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.closing(sqlite3.connect(temporary)) as restored:
            checked = restored.execute("PRAGMA integrity_check").fetchone()[0]
            if checked != "ok":
                raise BackupRefused(f"the backup's database fails SQLite's integrity check: "
                                    f"{checked}")
            check_counts(expected, _sqlite_counts(restored))
            restored.execute("PRAGMA journal_mode=WAL")
        _sqlite_refuse_unless_empty(path)
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        os.replace(temporary, path)
        _fsync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def check_counts(expected: dict[str, int], found: dict[str, int]) -> None:
    if expected != found:
        differ = sorted(name for name in set(expected) | set(found)
                        if expected.get(name) != found.get(name))
        shown = ", ".join(f"{name} {found.get(name)} (backup: {expected.get(name)})"
                          for name in differ[:5])
        raise BackupRefused(f"the restored rows differ from the backup's manifest: {shown}")


# --- PostgreSQL ---------------------------------------------------------------------------

def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump and pg_restore without its password (a command line is seen
    by every user of the machine), and the environment that carries it instead."""
    parts = urlsplit(url)
    env = {**os.environ}
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = netloc.replace(f":{parts.password}@", "@", 1)
    return parts._replace(scheme="postgresql", netloc=netloc).geturl(), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(f"{name} is not installed: install the PostgreSQL client "
                            f"(Debian: apt-get install postgresql-client)")
    return found


async def _run(command: list[str], env: dict[str, str], given: bytes | None = None
               ) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdin=asyncio.subprocess.PIPE if given is not None else None,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate(given)
    if process.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines() or ["(no message)"]
        raise BackupRefused(f"{Path(command[0]).name} failed: {lines[-1]}")
    return out


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(dsn=url, timeout=30)
    except asyncpg.InvalidCatalogNameError as error:
        raise BackupRefused(f"the database does not exist ({error}): create it empty "
                            f"first (createdb)") from error
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupRefused(f"cannot reach the PostgreSQL database: {error}") from error


async def _postgres_counts(connection: asyncpg.Connection) -> dict[str, int]:
    names = [row["tablename"] for row in await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "ORDER BY tablename")]
    return {name: await connection.fetchval(f"SELECT count(*) FROM {_quoted(name)}")  # noqa: S608
            for name in names}


async def postgres_snapshot(url: str) -> Snapshot:
    dsn, env = _libpq(url)
    pg_dump = _tool("pg_dump")
    tool_version = (await _run([pg_dump, "--version"], env)).decode().strip()
    connection = await _connect(url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot_id = await connection.fetchval("SELECT pg_export_snapshot()")
            tables = await _postgres_counts(connection)
            migrations = ([(row["app_name"], row["name"]) for row in await connection.fetch(
                "SELECT app_name, name FROM migration")] if "migration" in tables else [])
            server = await connection.fetchval("SHOW server_version")
            # The exporting transaction stays open until pg_dump has its snapshot.
            dump = await _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                               f"--snapshot={snapshot_id}", f"--dbname={dsn}"], env)
    finally:
        await connection.close()
    return Snapshot(engine=POSTGRESQL, member=POSTGRES_MEMBER, data=dump,
                    migrations=migrations, tables=tables,
                    details={"server_version": str(server), "pg_dump": tool_version})


async def _postgres_refuse_unless_empty(connection: asyncpg.Connection) -> None:
    """Empty: no table, view, sequence or other relation outside the system's schemas
    (as `createdb` makes a database)."""
    found = await connection.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")
    if found:
        name = await connection.fetchval("SELECT current_database()")
        raise BackupRefused(f"the database {name} is not empty ({found} relations): "
                            f"restore only into a new database (createdb)")


def _without_public_schema(listing: bytes) -> bytes:
    """pg_restore's table of contents minus the public schema itself (its creation, its
    comment): a database made with `createdb` has it already, and a dump of one whose
    public schema was once dropped and made again would make it twice (and comment on a
    schema the restoring user may not own)."""
    kept = [line for line in listing.splitlines(keepends=True)
            if line.startswith(b";") or not (
                b" SCHEMA - public " in line or b" COMMENT - SCHEMA public " in line)]
    return b"".join(kept)


async def postgres_restore(url: str, dump: bytes, expected: dict[str, int]) -> None:
    dsn, env = _libpq(url)
    pg_restore = _tool("pg_restore")
    connection = await _connect(url)
    try:
        await _postgres_refuse_unless_empty(connection)
    finally:
        await connection.close()
    listing = _without_public_schema(await _run([pg_restore, "--list"], env, dump))
    descriptor, name = tempfile.mkstemp(prefix="registry-restore-", suffix=".list")
    listing_path = name  # the names of the dump's parts, no data
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(listing)
        await _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                    "--single-transaction", f"--use-list={listing_path}",
                    f"--dbname={dsn}"], env, dump)
    finally:
        os.unlink(listing_path)
    connection = await _connect(url)
    try:
        check_counts(expected, await _postgres_counts(connection))
    finally:
        await connection.close()


def check_postgres_dump(dump: bytes) -> None:
    """pg_restore reads the dump's table of contents (its data is checked by the
    manifest's SHA-256, and by pg_restore only when it restores)."""
    asyncio.run(_run([_tool("pg_restore"), "--list"], {**os.environ}, dump))


def restore(url: str, engine: str, dump: bytes, expected: dict[str, int]) -> None:
    target = engine_of(url)
    if target != engine:
        raise BackupRefused(f"this backup is of a {engine} database and restores only into "
                            f"{engine}; REGISTRY_DATABASE_URL names a {target} one "
                            f"(moving between engines is not supported)")
    if engine == SQLITE:
        sqlite_restore(url, dump, expected)
    else:
        asyncio.run(postgres_restore(url, dump, expected))


def snapshot(url: str) -> Snapshot:
    if engine_of(url) == SQLITE:
        return sqlite_snapshot(url)
    return asyncio.run(postgres_snapshot(url))


def refuse_unless_empty(url: str) -> None:
    if engine_of(url) == SQLITE:
        _sqlite_refuse_unless_empty(sqlite_path(url).resolve())
        return

    async def check() -> None:
        connection = await _connect(url)
        try:
            await _postgres_refuse_unless_empty(connection)
        finally:
            await connection.close()

    asyncio.run(check())

