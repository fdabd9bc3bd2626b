"""Change counters: moved by commits only, seen at once by the process that committed,
by others through the listener (PostgreSQL) or within a second through the poll."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time

import asyncpg
import pytest

from registry import db
from registry.changes import counters
from registry.changes.tables import ChangeCounter

# Another process moves a counter: the same code, nothing shared with this one but the
# database (so this process hears of it only through the listener or the poll).
ANOTHER_PROCESS = """
import asyncio, sys, time
from registry import db
from registry.changes import counters
from registry.settings import Settings

async def main():
    db.configure(Settings())
    for _ in range(int(sys.argv[2])):
        began = time.time()  # the last one: when its transaction began
        await counters.bump(sys.argv[1])
    print(began)

asyncio.run(main())
"""


def a_name() -> str:
    return f"test:{secrets.token_hex(4)}"  # counters are never emptied between tests


async def stored(name: str) -> int:
    row = await ChangeCounter.select(ChangeCounter.value).where(
        ChangeCounter.name == name).first()
    return 0 if row is None else int(row["value"])


async def bump_in_another_process(settings, name: str, times: int = 1) -> float:
    """Returns when (time.time()) the other process began its last transaction."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ANOTHER_PROCESS, name, str(times),
        env={**os.environ, "REGISTRY_DATA_DIR": str(settings.data_dir),
             "REGISTRY_DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return float(out)


async def seen_at(name: str, past: int, within: float) -> float:
    """When (time.time()) `current(name)` went past `past`."""
    await until_moved(name, past, within)
    return time.time()


async def until_moved(name: str, past: int, within: float) -> float:
    """Seconds until `current(name)` goes past `past`; fails after `within` seconds."""
    began = time.monotonic()
    while (await counters.current(name)) <= past:
        assert time.monotonic() - began < within, f"{name} still at {past} after {within}s"
        await asyncio.sleep(0.01)
    return time.monotonic() - began


class Refused(Exception):
    pass


async def test_a_bump_rolled_back_moves_nothing(settings):
    name = a_name()
    async with db.write_transaction():
        await counters.bump(name)
    assert await stored(name) == 1

    async def refused() -> None:
        async with db.write_transaction():
            await counters.bump(name)
            raise Refused

    with pytest.raises(Refused):
        await refused()
    assert await stored(name) == 1
    counters.forget()
    assert await counters.current(name) == 1


async def test_a_commit_is_seen_at_once_by_its_own_process(settings, monkeypatch):
    name = a_name()
    assert await counters.current(name) == 0  # read now: the poll will not read again
    monkeypatch.setattr(counters, "POLL_SECONDS", 3600.0)
    async with db.write_transaction():
        await counters.bump(name)
        await counters.bump(name)  # once per transaction, however often asked
        assert await counters.current(name) == 0  # not before the commit
        assert await stored(name) == 0  # moved as the transaction commits, last
    assert await counters.current(name) == 1
    await counters.bump(name)  # outside a transaction: a transaction of its own
    assert await counters.current(name) == 2 == await stored(name)


async def test_another_process_is_seen_within_a_second_without_listening(settings):
    name = a_name()
    assert await counters.current(name) == 0
    await bump_in_another_process(settings, name)
    took = await until_moved(name, 0, within=counters.POLL_SECONDS + 0.5)
    assert await counters.current(name) == 1
    print(f"another process's commit seen by the poll after {took:.3f}s")


async def test_many_reads_at_once_make_one_query(settings, monkeypatch):
    name = a_name()
    await counters.bump(name)
    queries = 0
    select = ChangeCounter.select

    def counting(*args, **kwargs):
        nonlocal queries
        queries += 1
        return select(*args, **kwargs)

    monkeypatch.setattr(ChangeCounter, "select", counting)  # counts, changes nothing
    counters.forget()
    assert await asyncio.gather(*(counters.current(name) for _ in range(50))) == [1] * 50
    assert queries == 1


@pytest.mark.parametrize("at_once", [20])
async def test_concurrent_bumps_end_with_the_exact_count(settings, at_once):
    name = a_name()

    async def one() -> None:
        async with db.write_transaction():
            await counters.bump(name)

    await asyncio.gather(*(one() for _ in range(at_once)))
    assert await stored(name) == at_once
    assert await counters.current(name) == at_once  # each commit noted at once, in order


async def test_another_process_reaches_the_listener_at_once(settings, is_postgres,
                                                            monkeypatch):
    if not is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs have only the poll")
    name = a_name()
    engine = db.engine()
    assert await counters.current(name) == 0
    monkeypatch.setattr(counters, "POLL_SECONDS", 3600.0)  # only the listener can tell
    await counters.start(engine)
    try:
        await _until_listening(engine)
        # Watched while the other process runs: the poll (an hour now) cannot be it.
        began, seen = await asyncio.gather(
            bump_in_another_process(settings, name, times=2), seen_at(name, 1, within=10))
        print(f"another process's commit heard {(seen - began) * 1000:.1f} ms after it began")
        assert seen - began < 0.5
        assert await counters.current(name) == 2

        # The connection dies: the listener connects again and hears the next change.
        killed = await _terminate_listener(settings.database_url)
        assert killed >= 1
        for _ in range(500):  # it notices (at once: the server closed the connection)
            if not counters.listening(engine):
                break
            await asyncio.sleep(0.01)
        await _until_listening(engine)
        assert await counters.current(name) == 2  # read again after reconnecting
        await bump_in_another_process(settings, name)
        await until_moved(name, 2, within=2)
    finally:
        await counters.stop()
    assert not counters.listening(engine)


async def _until_listening(engine, within: float = 10) -> None:
    began = time.monotonic()
    while not counters.listening(engine):
        assert time.monotonic() - began < within, "the listener never connected"
        await asyncio.sleep(0.01)


async def _terminate_listener(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return len(await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database() "
            "AND pid <> pg_backend_pid()", counters.LISTENER_NAME))
    finally:
        await connection.close()
