"""What the backup tests share: the `registry` command with an environment of their own
(a second data directory, a second database), an empty database to restore into, and
every table's rows read with the drivers themselves."""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from registry import db
from tests.conftest import PRINCIPLES, CliResult

PASSPHRASE = "a long backup passphrase for tests"


def registry(*args: str, data_dir: Path, database_url: str, timeout: float = 120,
             **env: str) -> CliResult:
    full = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir),
            "REGISTRY_DATABASE_URL": database_url,
            "REGISTRY_PRINCIPLES_DIR": str(PRINCIPLES), **env}
    completed = subprocess.run([str(Path(sys.executable).with_name("registry")), *args],
                               env=full, capture_output=True, text=True, timeout=timeout,
                               check=False)
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def killed_once_writing(out: Path, *, data_dir: Path, database_url: str) -> int:
    """Start `registry backup --with-keys` into `out`, SIGKILL it as soon as its file
    appears there (it appears before the database is read, and takes its final name only
    once written and fsynced), and return its exit code."""
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir),
           "REGISTRY_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("registry")), "backup", "--out", str(out),
         "--with-keys"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (out.is_dir() and os.listdir(out)) and time.monotonic() < deadline \
            and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


async def create_database(test_url: str) -> str:
    """A new, empty PostgreSQL database beside the test one; returns its URL."""
    name = f"{urlsplit(test_url).path.lstrip('/')}_restore_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(dsn=test_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(test_url, name)


async def drop_database(test_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(dsn=test_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _sortable(row: tuple) -> str:
    return repr(row)


async def every_row(url: str) -> dict[str, list[tuple]]:
    """Every table of the registry (db.all_tables()), each row as the driver returns it,
    in a fixed order."""
    names = [table._meta.tablename for table in db.all_tables()]
    found: dict[str, list[tuple]] = {}
    if url.startswith("sqlite"):
        path = url[len("sqlite:///"):]
        connection = sqlite3.connect(path)
        try:
            for name in names:
                rows = connection.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                found[name] = sorted(rows, key=_sortable)
        finally:
            connection.close()
        return found
    pg = await asyncpg.connect(dsn=url)
    try:
        for name in names:
            rows = [tuple(record.values()) for record in await pg.fetch(
                f'SELECT * FROM "{name}"')]  # noqa: S608
            found[name] = sorted(rows, key=_sortable)
    finally:
        await pg.close()
    return found
