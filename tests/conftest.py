"""Shared fixtures: a real database (SQLite by default, PostgreSQL when asked), the app,
a test client, and the `registry` command run as a real subprocess.

Choose the engine with REGISTRY_TEST_DATABASE_URL (a postgresql:// URL of a database the
tests may empty). In CI (CI=true) a database that cannot be reached is an error, never a
skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from litestar.testing import AsyncTestClient

from registry import db, runtime
from registry.app import create_app
from registry.audit.services import SYSTEM
from registry.resources import bundled_dir
from registry.settings import Settings

pytest_plugins = ["tests.smtp"]

REPO = Path(__file__).resolve().parent.parent
PRINCIPLES = bundled_dir("principles")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... when the run is split


def _database_url(tmp: Path) -> str:
    return os.environ.get("REGISTRY_TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite3'}"


def _worker_database(url: str) -> str:
    """When the run is split between processes, each gets a PostgreSQL database of its
    own, named after the one given and made next to it (SQLite files are per process
    already: each has its own temporary folder)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{WORKER}"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The browser tests share one served registry and one Chromium (package fixtures):
    # when the run is split between processes, they all go to the same one.
    for item in items:
        if Path(str(item.fspath)).is_relative_to(REPO / "tests" / "browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("REGISTRY_TEST_DATABASE_URL")
    return f"database: {url or 'SQLite (a temporary file)'}; CI: {IN_CI}"


def keys_env(data_dir: Path) -> dict[str, str]:
    """The run's key files, for a process of its own that shares the run's database (on
    PostgreSQL): a data directory without them is refused, never given new keys."""
    folder = data_dir / "keys"
    return {"REGISTRY_DATA_KEY_FILE": str(folder / "data-keys.json"),
            "REGISTRY_SECRET_KEY_FILE": str(folder / "secret.key"),
            "REGISTRY_SIGNING_KEYS_DIR": str(folder / "signing")}


async def _empty_schema(database_url: str, given: str) -> None:
    """A PostgreSQL test database starts each run empty, as a SQLite one does: what an
    earlier run sealed (the append-only audit trail) needs that run's keys, which are
    gone with its temporary data directory. A worker's database is made, through the
    database given, if it is not there."""
    import asyncpg

    if database_url != given:
        admin = await asyncpg.connect(dsn=given)
        try:
            name = urlsplit(database_url).path.lstrip("/")
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    connection = await asyncpg.connect(dsn=database_url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    given = url = _database_url(data_dir)
    if url.startswith("postgres"):
        url = _worker_database(given) if WORKER else given
        failures: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(_empty_schema(url, given))
            except BaseException as error:  # re-raised below, in the fixture's thread
                failures.append(error)

        thread = threading.Thread(target=run)  # a loop of its own, whatever runs here
        thread.start()
        thread.join()
        if failures:
            raise failures[0]
    return url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgres")


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    # The in-process test client runs the app on an event loop of its own, while the
    # tests query the database from theirs: an asyncpg pool must not be shared between
    # loops, so in-process apps open a connection per query. The tests that run
    # `registry serve` (tests/serving, tests/browser) use the pool as production does.
    values: dict = {"data_dir": data_dir, "database_url": database_url,
                    "principles_dir": PRINCIPLES, "database_pool_size": 0}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def migrated(data_dir: Path, database_url: str) -> Settings:
    settings = make_settings(data_dir, database_url)
    runtime.configure(settings)
    await db.migrate()
    return settings


# Append-only (triggers refuse DELETE): tests find their own events by subject or id.
# Change counters only go up: caches are keyed on them (registry/changes).
KEPT = {"migration", "audit_event", "public_fact", "change_counter"}


async def _empty_all_tables() -> None:
    # Children before parents: foreign keys are RESTRICT on purpose.
    tables = [t for t in db.all_tables() if t._meta.tablename not in KEPT]
    for table in reversed(tables):
        await table.delete(force=True)


def empty_database_in_a_thread(data_dir: Path, database_url: str) -> None:
    """Empty the test database from synchronous code (a server about to share it): on a
    thread with a loop of its own, since Playwright's sync API must not meet a running
    loop."""
    failures: list[BaseException] = []

    async def work() -> None:
        runtime.configure(make_settings(data_dir, database_url))
        await db.migrate()
        await _empty_all_tables()

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as error:  # re-raised below, in the caller's thread
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


@pytest.fixture
async def settings(migrated: Settings) -> Settings:
    """A migrated, empty database, bound for this test."""
    runtime.configure(migrated)
    await _empty_all_tables()
    return migrated


@pytest.fixture
async def synced(settings: Settings) -> Settings:
    """The database with the repository's Principles synced into it."""
    from registry.principles import services

    await services.sync(settings.principles_dir, actor=SYSTEM)
    return settings


@pytest.fixture
async def client(synced: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(synced)) as test_client:
        yield test_client


@pytest.fixture
def principles_copy(tmp_path: Path) -> Path:
    """A writable copy of the principles/ folder, for tests that edit or add versions."""
    target = tmp_path / "principles"
    shutil.copytree(PRINCIPLES, target)
    return target


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


@pytest.fixture
def run_cli(settings: Settings):
    """Run the installed `registry` command as a subprocess against the test database."""

    def run(*args: str, principles_dir: Path | None = None, timeout: float = 60) -> CliResult:
        env = {
            **os.environ,
            "REGISTRY_DATA_DIR": str(settings.data_dir),
            "REGISTRY_DATABASE_URL": settings.database_url,
            "REGISTRY_PRINCIPLES_DIR": str(principles_dir or settings.principles_dir),
        }
        completed = subprocess.run(
            [str(Path(sys.executable).with_name("registry")), *args],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run
