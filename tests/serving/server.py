"""Start `registry serve` as the operator would: a real process, a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_registry(cwd: Path, env: dict[str, str], *, timeout: float = 60,
                   port: int | None = None, args: tuple[str, ...] = (),
                   log_name: str = "serve.log") -> tuple[subprocess.Popen, str]:
    """Start `registry serve` (with `args`) in `cwd` with exactly `env` (plus PATH), its
    output to `cwd / log_name`; return the process and its base URL once it is ready."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("registry")), "serve", "--port", str(port),
               *args]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    log = cwd / log_name
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"registry serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"registry serve never became ready:\n{log.read_text()}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_registry(cwd: Path, env: dict[str, str], timeout: float = 60,
                     port: int | None = None, args: tuple[str, ...] = ()) -> Iterator[str]:
    """Run `registry serve` in `cwd` with exactly `env` (plus PATH); yield its base URL."""
    process, base = start_registry(cwd, env, timeout=timeout, port=port, args=args)
    try:
        yield base
    finally:
        stop(process)


def served_database(cwd: Path, data_dir: Path, database_url: str) -> tuple[dict[str, str], str]:
    """The environment of a `registry serve` of the test's own, and its database URL. On
    PostgreSQL it shares the run's database (emptied first) and so its key files; on
    SQLite it has a data directory and a database file of its own under `cwd`."""
    from tests.conftest import empty_database_in_a_thread, keys_env

    env = {"REGISTRY_DATA_DIR": str(cwd / "var")}
    if database_url.startswith("postgres"):
        empty_database_in_a_thread(data_dir, database_url)
        env.update({"REGISTRY_DATABASE_URL": database_url, **keys_env(data_dir)})
        return env, database_url
    url = f"sqlite:///{cwd / 'var' / 'registry.sqlite3'}"
    env["REGISTRY_DATABASE_URL"] = url
    return env, url


def query(database_url: str, sql: str) -> list[tuple]:
    """Rows of one plain SQL query, read beside the server as an operator's psql or
    sqlite3 would (no loop of the test's own is disturbed)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=10)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()
    import asyncio
    import threading

    import asyncpg

    rows: list[tuple] = []
    failures: list[BaseException] = []

    async def work() -> None:
        connection = await asyncpg.connect(dsn=database_url)
        try:
            rows.extend(tuple(row) for row in await connection.fetch(sql))
        finally:
            await connection.close()

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
    return rows
