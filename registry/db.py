"""How the registry talks to its database, the same way on SQLite and PostgreSQL.

Everything that writes goes through `write_transaction()`: on SQLite it takes the write
lock at BEGIN (`BEGIN IMMEDIATE`), which is what keeps concurrent read-then-write
transactions from failing with "database is locked" (see LIBRARY-NOTES.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import fcntl
import hashlib
import io
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiosqlite
import asyncpg
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

from registry.settings import Settings

log = logging.getLogger("registry.db")
# An arbitrary constant: the PostgreSQL advisory lock that serialises migrations when
# several processes start at once.
_MIGRATION_LOCK_KEY = 0x5052_4547  # "PREG"
_engine: Engine | None = None

# Piccolo's own machinery (migrations, its CLI) finds the configuration through this.
os.environ.setdefault("PICCOLO_CONF", "registry.piccolo_conf")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached, or its schema is not the one this code expects."""


class UniqueViolation(Exception):
    """A row would break a unique index; raised in place of each driver's own error."""


def engine_for(url: str) -> Engine:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parts.path
        if not path:
            raise ValueError(f"no file in database URL {url!r}")
        # The busy timeout lets a writer wait for another writer instead of failing.
        return KeptReadsSQLiteEngine(path=path, timeout=30)
    if parts.scheme in ("postgresql", "postgres"):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(
        f"unsupported database URL scheme {parts.scheme!r}: use sqlite:/// or postgresql://"
    )


@dataclasses.dataclass
class _Readers:
    """One event loop's kept SQLite connections: at most `slots` in use at once."""

    slots: asyncio.Semaphore
    idle: list[aiosqlite.Connection] = dataclasses.field(default_factory=list)


class KeptReadsSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, whose reads outside a transaction use a few connections
    kept open while the app runs (`start`), instead of a new one for each query.

    Piccolo opens a connection (a thread, the file, its schema read anew) for every query
    outside a transaction: most of what a page read from SQLite cost, several times per
    page, and under load as many threads as queries at once (each thread's memory arena
    stayed with the process). A kept connection is in autocommit mode (Piccolo's
    connection settings), so each SELECT reads the latest committed state, as a new
    connection would; only SELECTs take one, each used by one query at a time, and at
    most READERS at once (a query waits for one). Writes, and every query while the
    engine is not started (the command line), go Piccolo's own way."""

    READERS = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: dict[asyncio.AbstractEventLoop, _Readers] | None = None
        self.opened = 0  # kept connections opened since the start (tests)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None,
                                     query_type: str = "generic",
                                     table: type[Table] | None = None) -> Any:
        if self.kept is None or query.lstrip()[:6].upper() != "SELECT":
            return await super()._run_in_new_connection(query, args, query_type, table)
        loop = asyncio.get_running_loop()
        readers = self.kept.get(loop) or self.kept.setdefault(
            loop, _Readers(asyncio.Semaphore(self.READERS)))
        async with readers.slots:
            connection = readers.idle.pop() if readers.idle else await self._open()
            try:
                async with connection.execute(query, args or []) as cursor:
                    rows = await cursor.fetchall()
            except BaseException:
                await connection.close()  # in an unknown state: not kept
                raise
            if self.kept is not None and self.kept.get(loop) is readers:
                readers.idle.append(connection)
            else:  # stopped (and perhaps started again) meanwhile
                await connection.close()
        return rows

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        self.opened += 1
        await connection.execute("PRAGMA foreign_keys = 1")
        connection.row_factory = dict_factory  # type: ignore[assignment]
        return connection

    def keep_reads(self) -> None:
        if self.kept is None:
            self.kept = {}

    def kept_connections(self) -> list[aiosqlite.Connection]:
        """The idle kept connections, of every event loop (tests)."""
        return [c for readers in (self.kept or {}).values() for c in readers.idle]

    async def close_reads(self) -> None:
        kept, self.kept = self.kept or {}, None
        for readers in kept.values():
            for connection in readers.idle:
                await connection.close()


def all_tables() -> list[type[Table]]:
    from registry import piccolo_conf

    registry_ = piccolo_conf.APP_REGISTRY
    tables = [t for app in registry_.app_configs for t in registry_.get_table_classes(app)]
    return [*tables, Migration]


def _private(folder: Path, *, ours: bool) -> None:
    """A folder only the service's user can enter, whatever the umask: made so, and, if
    it is the registry's own (its data directory), made so again if it was not."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        ours = True
    if ours and (folder.stat().st_mode & 0o777) != 0o700:
        os.chmod(folder, 0o700)


def _private_file(path: Path) -> None:
    """The SQLite file readable by the service's user only, whatever the umask (SQLite
    gives its -wal and -shm files the same mode)."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if (path.stat().st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)


def configure(settings: Settings) -> Engine:
    """Bind every table (and Piccolo's migration machinery) to the configured database.
    The data directory (keys, mail files, the SQLite file) is made 0700, and the SQLite
    file 0600: a copy of them is what a seizure or a careless backup hands over."""
    global _engine
    from registry import piccolo_conf

    engine = engine_for(settings.database_url)
    _private(Path(settings.data_dir), ours=True)
    if isinstance(engine, SQLiteEngine):
        database = Path(engine.path)
        _private(database.parent, ours=database.parent.resolve()
                 == Path(settings.data_dir).resolve())
        _private_file(database)
        # WAL persists in the file: readers go on beside a writer.
        with contextlib.closing(sqlite3.connect(engine.path)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    _engine = engine
    return engine


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("registry.db.configure(settings) has not been called")
    return _engine


@dataclasses.dataclass
class _Pending:
    """What the outermost write transaction runs at its end: work just before the commit
    (grouped by function, in the order it was asked for), callbacks just after it."""

    before: dict[Callable[[list[Any]], Awaitable[None]], list[Any]] = dataclasses.field(
        default_factory=dict)
    after: list[Callable[[], None]] = dataclasses.field(default_factory=list)
    # Work in a transaction of its own once this one has ended, committed or not.
    after_end: list[Callable[[], Awaitable[None]]] = dataclasses.field(default_factory=list)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar(
    "pending", default=None)


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """One transaction for a change; on SQLite it holds the write lock from the start.
    Nested inside another, it joins it. What `before_commit` asked for runs inside the
    outermost one just before it commits; what `after_commit` registered runs once it
    has committed (and neither runs if it rolls back)."""
    current = engine()
    transaction = (current.transaction(transaction_type=TransactionType.immediate)
                   if isinstance(current, SQLiteEngine) else current.transaction())
    if _pending.get() is not None:  # joining the outer transaction
        async with transaction:
            yield
        return
    pending = _Pending()
    token = _pending.set(pending)
    committed = False
    try:
        async with transaction:
            yield
            while pending.before:  # work done here may ask for more
                work, items = next(iter(pending.before.items()))
                del pending.before[work]
                await work(items)
        committed = True
    finally:
        _pending.reset(token)
        try:
            if committed:
                for callback in pending.after:
                    callback()
        finally:
            for later in pending.after_end:
                try:
                    async with write_transaction():
                        await later()
                except Exception:  # the transaction's own outcome (or error) must stand
                    log.exception("work after a transaction failed")


def after_end(work: Callable[[], Awaitable[None]]) -> None:
    """Run `await work()` in a write transaction of its own once the current one has
    ended, whether it committed or rolled back (a refusal's audit event must stay
    although the refused change does not). At once outside a transaction: not allowed."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("after_end needs a write transaction")
    pending.after_end.append(work)


def in_write_transaction() -> bool:
    return _pending.get() is not None


def before_commit(work: Callable[[list[Any]], Awaitable[None]], item: Any) -> None:
    """Inside a write transaction: run `await work(items)` just before it commits, once,
    with every item given for the same `work`, in order."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("before_commit needs a write transaction")
    pending.before.setdefault(work, []).append(item)


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after the current write transaction commits (at once outside one)."""
    pending = _pending.get()
    if pending is None:
        callback()
    elif callback not in pending.after:
        pending.after.append(callback)


async def serialise(name: str) -> None:
    """Inside a write transaction: make others doing `name` wait until this one commits.

    SQLite needs nothing more (BEGIN IMMEDIATE already serialises writers); PostgreSQL
    takes a transaction-scoped advisory lock, so read-then-write sequences such as a sync
    cannot interleave.
    """
    if isinstance(engine(), PostgresEngine):
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        # Any table's raw() runs on the current transaction's connection.
        await Migration.raw("SELECT pg_advisory_xact_lock({})", key)


@contextlib.contextmanager
def unique_violations_as_domain_error() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "UNIQUE constraint failed" in str(error):
            raise UniqueViolation(str(error)) from error
        raise
    except asyncpg.exceptions.UniqueViolationError as error:
        raise UniqueViolation(str(error)) from error


async def _session_unchanged(connection: asyncpg.Connection) -> None:
    """What a connection back in the pool needs beyond asyncpg's own clean-up (which
    rolls back a transaction left open): nothing. asyncpg's default also runs `RESET
    ALL; UNLISTEN *; CLOSE ALL; SELECT pg_advisory_unlock_all()`, one more round trip
    for every query outside a transaction; no pooled connection here changes its
    session (no SET; locks are `pg_advisory_xact_lock`; LISTEN and the migrations'
    session lock have connections of their own)."""


async def start(engine_: Engine, *, pool_size: int = 10) -> None:
    """Connections kept for the app's life: PostgreSQL's pool, SQLite's readers."""
    if isinstance(engine_, PostgresEngine) and pool_size > 0:
        await engine_.start_connection_pool(min_size=1, max_size=pool_size,
                                            reset=_session_unchanged)
    if isinstance(engine_, KeptReadsSQLiteEngine):
        engine_.keep_reads()


async def stop(engine_: Engine) -> None:
    if isinstance(engine_, PostgresEngine) and engine_.pool is not None:
        await engine_.close_connection_pool()
    if isinstance(engine_, KeptReadsSQLiteEngine):
        await engine_.close_reads()


@contextlib.asynccontextmanager
async def _migration_lock(engine_: Engine) -> AsyncIterator[None]:
    """Only one process migrates at a time; the others wait, then find nothing to do."""
    if isinstance(engine_, PostgresEngine):
        connection = await asyncpg.connect(**engine_.config)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
            yield
        finally:
            await connection.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_KEY)
            await connection.close()
    else:
        assert isinstance(engine_, SQLiteEngine)
        lock_path = Path(f"{engine_.path}.migrate-lock")
        with lock_path.open("a") as lock_file:  # noqa: ASYNC230 - opening a lock file is instant
            await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


Statements = list[str] | Callable[[Engine], list[str]]


def ddl_migration(
    *, migration_id: str, app_name: str, description: str, forwards: Statements,
    backwards: Statements,
) -> MigrationManager:
    """A hand-written migration of plain DDL (indexes, triggers). The engine is looked up
    when it runs, never cached; statements may depend on it (trigger dialects differ)."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name,
                               description=description)

    def runner(statements: Statements) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            current = engine_finder()
            assert current is not None
            for statement in statements(current) if callable(statements) else statements:
                await current.run_ddl(statement)

        return run

    manager.add_raw(runner(forwards))
    manager.add_raw_backwards(runner(backwards))
    return manager


async def migrate() -> str:
    """Apply every committed migration not yet applied; returns Piccolo's report."""
    report = io.StringIO()
    async with _migration_lock(engine()):
        with contextlib.redirect_stdout(report):
            result = await run_forwards(app_name="all")
    if not result.success:
        raise DatabaseUnavailable(f"migration failed: {result.message}\n{report.getvalue()}")
    return report.getvalue()


def expected_migrations() -> set[tuple[str, str]]:
    """(app, migration id) for every migration committed in the code."""
    manager = BaseMigrationManager()
    expected: set[tuple[str, str]] = set()
    for app_module in manager.get_app_modules():
        config = app_module.APP_CONFIG
        modules = manager.get_migration_modules(config.resolved_migrations_folder_path)
        expected.update((config.app_name, migration_id) for migration_id in modules)
    return expected


def shown_url(url: str) -> str:
    """The database URL to print: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


async def unapplied_migrations() -> set[tuple[str, str]]:
    """The committed migrations the database has not applied; on an empty database, all
    of them (raises DatabaseUnavailable if it cannot be reached)."""
    try:
        applied_any = await Migration.table_exists()
    except Exception as error:  # whatever the driver raised, the database did not answer
        raise DatabaseUnavailable(str(error)) from error
    expected = expected_migrations()
    return await pending_migrations(expected) if applied_any else expected


async def pending_migrations(expected: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The committed migrations that the database has not applied (raises if unreachable)."""
    try:
        rows = await Migration.select(Migration.app_name, Migration.name)
    except Exception as error:  # readiness: whatever the driver raised, we are not ready
        raise DatabaseUnavailable(str(error)) from error
    return expected - {(row["app_name"], row["name"]) for row in rows}
