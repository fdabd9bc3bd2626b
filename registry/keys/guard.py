"""Keys are never made by accident, and a host never serves with keys that do not fit.

A data directory without key files is either a fresh installation or a mistake (a new
host, a restored database, a wrong REGISTRY_DATA_DIR). The database tells which: keys
are made only while it holds nothing they would have protected. The evidence is the
data itself, not a marker kept beside it: every sealed value names the data key that
sealed it (`enc1:<key id>:...`), and every signature the registry issued is recorded
with its key id. An installation upgraded from any earlier version is judged the same
way, with nothing to backfill.

`refuse_unless_fresh` runs where the keys are made (`keys.configure`), before any is
made, on its own short connection: `configure` is synchronous and runs before the
database's pool starts. `check_at_start` runs in `serve` once the database is migrated:
the keys open what the database holds, and every key that signed something still
valid is held, so the published key set (the JWKS) has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from registry.keys.fields import PREFIX, DecryptionError, key_id_of
from registry.keys.store import KeyFileError
from registry.settings import Settings

_CREDENTIALS_TABLE = "credential_issue"  # registry/badges/tables.py: CredentialIssue


@dataclass(frozen=True)
class Evidence:
    """What the database holds that key files would be needed for."""

    sealed_in: str | None  # a `table.column` holding a sealed value, if any
    signed: bool  # the registry has signed something (a badge, a status list)


def _missing(settings: Settings) -> tuple[list[Path], Path | None]:
    """The data key and secret files that do not exist, and the signing keys' folder if
    it has no active key (and no key file is configured to be the active one)."""
    files = [path for path in (settings.data_key_path, settings.secret_key_path)
             if not path.exists()]
    signing = settings.signing_keys_path
    no_signing = settings.signing_key_file is None and not (signing / "active").exists()
    return files, signing if no_signing else None


def _sealed_columns() -> list[tuple[str, str]]:
    from registry import db
    from registry.keys.sealed import sealed_columns

    return [(column._meta.table._meta.tablename, column._meta.db_column_name)
            for column in sealed_columns(db.all_tables())]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _probes(existing: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(what, SQL) for each question the existing schema can answer; a partly migrated
    database lacks some tables or columns, and holds nothing in them."""
    probes = [(f"{table}.{column}",
               f"SELECT 1 FROM {_quoted(table)} WHERE {_quoted(column)} "  # noqa: S608
               f"LIKE '{PREFIX}:%' LIMIT 1")
              for table, column in _sealed_columns() if column in existing.get(table, set())]
    if _CREDENTIALS_TABLE in existing:
        probes.append(("signed", f"SELECT 1 FROM {_CREDENTIALS_TABLE} LIMIT 1"))  # noqa: S608
    return probes


def _found(answers: Iterable[tuple[str, bool]]) -> Evidence:
    held = [what for what, present in answers if present]
    sealed = [what for what in held if what != "signed"]
    return Evidence(sealed_in=sealed[0] if sealed else None, signed="signed" in held)


def _sqlite_evidence(path: str) -> Evidence:
    if not Path(path).exists():
        return Evidence(None, False)
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        existing = {table: {row[1] for row in connection.execute(
            f"PRAGMA table_info({_quoted(table)})")} for table in tables}
        return _found((what, connection.execute(sql).fetchone() is not None)
                      for what, sql in _probes(existing))


async def _postgres_evidence(config: dict[str, Any]) -> Evidence:
    connection = await asyncpg.connect(**config)
    try:
        existing: dict[str, set[str]] = {}
        for row in await connection.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()"):
            existing.setdefault(row["table_name"], set()).add(row["column_name"])
        return _found([(what, await connection.fetchval(sql) is not None)
                       for what, sql in _probes(existing)])
    finally:
        await connection.close()


def _on_own_loop(work: Callable[[], Any]) -> Any:
    """Run a coroutine to its end from synchronous code, even one called inside a
    running event loop: on a thread with a loop of its own."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, asyncio.run(work())))
        except BaseException as error:  # re-raised below, in the caller's thread
            outcome.append((False, error))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def database_evidence(settings: Settings) -> Evidence:
    from registry import db

    engine = db.engine_for(settings.database_url)
    try:
        if isinstance(engine, SQLiteEngine):
            return _sqlite_evidence(engine.path)
        assert isinstance(engine, PostgresEngine)
        config = engine.config
        evidence: Evidence = _on_own_loop(lambda: _postgres_evidence(config))
        return evidence
    except (OSError, sqlite3.Error, asyncpg.PostgresError) as error:
        raise KeyFileError(
            f"key files are missing and the database at {db.shown_url(settings.database_url)}"
            f" cannot be asked whether it holds data sealed with other keys: {error}") from error


def refuse_unless_fresh(settings: Settings) -> None:
    """Before any key is made: refuse if the database holds data that needs keys.

    Asks the database only when a key file is missing, so an ordinary start costs
    nothing."""
    files, signing = _missing(settings)
    if not files and signing is None:
        return
    from registry import db

    evidence = database_evidence(settings)
    gone, held, variables = [], [], []
    if files and evidence.sealed_in:
        gone += [str(path) for path in files]
        held.append(f"values sealed with other keys (in {evidence.sealed_in})")
        variables += [name for name, path in (("REGISTRY_DATA_KEY_FILE", settings.data_key_path),
                                              ("REGISTRY_SECRET_KEY_FILE",
                                               settings.secret_key_path)) if path in files]
    if signing is not None and evidence.signed:
        gone.append(f"the signing keys in {signing} (no active key)")
        held.append("signatures made with other keys")
        variables.append("REGISTRY_SIGNING_KEYS_DIR")
    if gone:
        raise KeyFileError(
            f"refusing to make new keys: {' and '.join(gone)} missing, but the database at "
            f"{db.shown_url(settings.database_url)} already holds {' and '.join(held)}; "
            f"restore the key files from a backup, or point {' / '.join(variables)} at them")


async def _data_key_problems(settings: Settings) -> list[str]:
    """Each data key id the sealed columns name, opened once: a key the file lacks, or
    a key of that id that is not the one that sealed (another installation's file)."""
    from registry import db, keys
    from registry.keys.sealed import purpose, sealed_columns

    cipher, path = keys.keyring().cipher, settings.data_key_path
    problems: dict[str, str] = {}
    for column in sealed_columns(db.all_tables()):
        seen: list[str] = []
        while True:
            query = column._meta.table.select(column.as_alias("value")).where(
                column.like(f"{PREFIX}:%"))
            for kid in seen:
                query = query.where(column.not_like(f"{PREFIX}:{kid}:%"))
            row = await query.first()
            if row is None:
                break
            kid = key_id_of(row["value"])
            seen.append(kid)
            if kid in problems:
                continue
            try:
                cipher.decrypt(row["value"], purpose=purpose(column))
            except DecryptionError:
                problems[kid] = (
                    f"{path} does not hold data key {kid}, which sealed {purpose(column)}"
                    if kid not in cipher.keys.keys else
                    f"data key {kid} in {path} does not open {purpose(column)}: it is not "
                    "the key that sealed it")
    return list(problems.values())


async def _signing_problems(settings: Settings, now: datetime) -> list[str]:
    """The active key loads and is published, and the published set holds every key
    that signed something still valid (what the badges' JWKS serves; without it, those
    badges stop verifying)."""
    from registry import keys
    from registry.badges import services as badges
    from registry.badges.tables import CredentialIssue

    folder = settings.signing_keys_path
    try:
        active = keys.keyring().signing.active()
    except KeyFileError as error:
        return [f"the active signing key cannot be read: {error}"]
    published = {key["kid"] for key in await badges.published_keys(now)}
    needed = {row["kid"] for row in await CredentialIssue.select(CredentialIssue.kid).where(
        CredentialIssue.valid_until > now).distinct()}
    problems = [f"the active signing key {active.kid} is not in the published key set"
                ] if active.kid not in published else []
    if unknown := sorted(needed - published):
        problems.append(f"{folder} does not hold the signing key(s) {', '.join(unknown)}, "
                        "which signed credentials still valid")
    return problems


async def check_at_start(settings: Settings) -> None:
    """`serve`, after migrating: refuse to start with keys that do not fit the database."""
    from registry import db

    problems = [*await _data_key_problems(settings),
                *await _signing_problems(settings, datetime.now(UTC))]
    if problems:
        raise KeyFileError(
            f"the keys do not fit the database at {db.shown_url(settings.database_url)}: "
            f"{'; '.join(problems)}; restore the key files from a backup, or point "
            "REGISTRY_DATA_KEY_FILE / REGISTRY_SIGNING_KEYS_DIR at them")
