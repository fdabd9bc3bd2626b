"""Named change counters: how every process, on every host, learns that something
changed, through the database they share and nothing else.

`await bump(name)` inside a write transaction moves the counter when that transaction
commits, and never if it rolls back. `await current(name)` is for hot paths: it answers
from memory and reads the database at most once a second (one query per process at a
time, however many requests wait for it). So a process serves nothing older than about a
second, and a cache keyed on `current(name)` is fresh on the next request after a change:

- in the process that committed it, at once (it notes its own change after commit);
- on PostgreSQL, in every process at once too: the change is announced with
  `pg_notify` in the same transaction (delivered at commit), and a listener (one
  connection per process, `start(engine)`) takes the new value into memory;
- otherwise (SQLite, or a listener that has lost its connection and is reconnecting),
  within a second, by the poll.

Counters only go up; a cache keyed on one must never see it go back to a value it
has already used (so nothing deletes their rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from registry import db
from registry.changes.tables import ChangeCounter

CHANNEL = "registry_changes"
POLL_SECONDS = 1.0  # the most a process without the listener lags behind the database
RECONNECT_SECONDS = 1.0
CHECK_SECONDS = 10.0  # how often a quiet listener checks that its connection still works
log = logging.getLogger("registry.changes")


@dataclass
class _Memory:
    engine: Engine | None = None  # the database the values below are of
    values: dict[str, int] = field(default_factory=dict)
    read_at: float = -math.inf  # when the last read of the database began (monotonic)
    heard: int = 0  # how many values were taken in since the start (listener, own commits)
    heard_as: dict[str, int] = field(default_factory=dict)  # name: `heard` when last taken
    # The read under way, per event loop and engine: everyone waiting shares it.
    reading: dict[tuple[asyncio.AbstractEventLoop, int], asyncio.Task[None]] = field(
        default_factory=dict)


_memory = _Memory()


# --- Reading ---------------------------------------------------------------------------

async def current(name: str) -> int:
    """The counter's value: from memory, read again from the database at most once a
    second. Cheap enough for every request of the hottest route."""
    engine = db.engine()
    if _memory.engine is engine and time.monotonic() - _memory.read_at < POLL_SECONDS:
        return _memory.values.get(name, 0)
    await _read(engine)
    return _memory.values.get(name, 0)


async def _read(engine: Engine) -> None:
    """Single flight: the first caller starts the read, every other one waits for it
    (the read goes on even if the caller that started it is cancelled)."""
    key = (asyncio.get_running_loop(), id(engine))
    task = _memory.reading.get(key)
    if task is None:
        task = asyncio.create_task(_read_now(engine))
        _memory.reading[key] = task

        def done(finished: asyncio.Task[None]) -> None:
            if _memory.reading.get(key) is finished:
                del _memory.reading[key]
            if not finished.cancelled():
                finished.exception()  # retrieved: the waiters have it

        task.add_done_callback(done)
    await asyncio.shield(task)


async def _read_now(engine: Engine) -> None:
    began, heard = time.monotonic(), _memory.heard
    rows = await ChangeCounter.select(ChangeCounter.name, ChangeCounter.value)
    found = {row["name"]: int(row["value"]) for row in rows}
    if _memory.engine is not engine:  # another database: nothing in memory is its
        _memory.engine, _memory.values, _memory.heard_as = engine, {}, {}
        _memory.read_at = -math.inf
    for name in set(found) | set(_memory.values):
        if _memory.heard_as.get(name, -1) >= heard:
            # Heard of while the query ran: that value may be newer than what it read.
            _memory.values[name] = max(_memory.values.get(name, 0), found.get(name, 0))
        else:
            _memory.values[name] = found.get(name, 0)
    _memory.read_at = max(_memory.read_at, began)


def _take(engine: Engine, values: dict[str, int]) -> None:
    """New values heard of (a commit of this process, or the listener)."""
    if _memory.engine is not engine:
        return  # memory holds another database's values: the next read replaces them
    for name, value in values.items():
        _memory.values[name] = max(_memory.values.get(name, 0), value)
        _memory.heard_as[name] = _memory.heard
    _memory.heard += 1


def forget() -> None:
    """Read the database on the next `current` (the listener may have missed changes)."""
    _memory.read_at = -math.inf


# --- Writing ---------------------------------------------------------------------------

async def bump(name: str) -> None:
    """Move the counter `name` when the current write transaction commits (and not if it
    rolls back); outside one, at once. However often a transaction asks, once."""
    if db.in_write_transaction():
        db.before_commit(_last, name)
    else:
        async with db.write_transaction():
            db.before_commit(_last, name)


async def _last(names: list[str]) -> None:
    # Asked again from here, the increment runs after any other work asked for before
    # the commit: the counter's row lock is the last lock a transaction takes, so it is
    # held only while committing and waits for nothing (no deadlock can include it).
    for name in names:
        db.before_commit(_increment, name)


async def _increment(names: list[str]) -> None:
    engine = db.engine()
    values: dict[str, int] = {}
    table = ChangeCounter._meta.tablename
    for name in sorted(set(names)):  # one order for every transaction
        rows = await ChangeCounter.insert(ChangeCounter(name=name, value=1)).on_conflict(
            target=ChangeCounter.name, action="DO UPDATE",
            values=[(ChangeCounter.value, QueryString(f'"{table}"."value" + 1'))],
        ).returning(ChangeCounter.value)
        values[name] = int(rows[0]["value"])
        if isinstance(engine, PostgresEngine):  # delivered to every listener at commit
            await ChangeCounter.raw("SELECT pg_notify({}, {})", CHANNEL,
                                    f"{name}:{values[name]}")
    db.after_commit(lambda: _take(engine, values))


# --- Listening (PostgreSQL) ------------------------------------------------------------

LISTENER_NAME = "registry changes listener"  # its application_name in pg_stat_activity
_listeners: dict[asyncio.AbstractEventLoop, list[asyncio.Task[None] | None]] = {}
_listening: set[int] = set()  # id() of each engine with a listener connected now


def listening(engine: Engine) -> bool:
    """Whether this process hears the database's change notices now."""
    return id(engine) in _listening


async def start(engine: Engine) -> None:
    """Begin listening for other processes' changes (PostgreSQL; nothing on SQLite).
    Each `start` is ended by one `stop` on the same event loop."""
    loop = asyncio.get_running_loop()
    task = (asyncio.create_task(_listen(engine), name=LISTENER_NAME)
            if isinstance(engine, PostgresEngine) else None)
    _listeners.setdefault(loop, []).append(task)


async def stop() -> None:
    """End the listener the last `start` on this event loop began."""
    loop = asyncio.get_running_loop()
    started = _listeners.get(loop)
    if not started:
        return
    task = started.pop()
    if not started:
        del _listeners[loop]
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _listen(engine: PostgresEngine) -> None:
    """One connection doing LISTEN; on any failure, a new one a second later. While it
    is down the poll alone bounds how far behind this process can be."""
    first = True
    while True:
        try:
            connection = await asyncpg.connect(
                **engine.config, timeout=10,
                server_settings={"application_name": LISTENER_NAME})
        except Exception as error:  # whatever it was, try again: never stop listening
            log.warning("changes: cannot connect to listen (%s); retrying", error)
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        try:
            await _listen_on(engine, connection, first)
        except Exception as error:
            log.warning("changes: the listening connection failed (%s); reconnecting", error)
        finally:
            first = False
            _listening.discard(id(engine))
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close(timeout=2))
        await asyncio.sleep(RECONNECT_SECONDS)


async def _listen_on(engine: PostgresEngine, connection: asyncpg.Connection,
                     first: bool) -> None:
    lost = asyncio.Event()

    def heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        name, _sep, value = payload.rpartition(":")
        with contextlib.suppress(ValueError):
            _take(engine, {name: int(value)})

    connection.add_termination_listener(lambda _connection: lost.set())
    await connection.add_listener(CHANNEL, heard)
    _listening.add(id(engine))
    if not first:
        forget()  # what was committed while not listening: read it on the next request
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), timeout=CHECK_SECONDS)
        if not lost.is_set():  # quiet for a while: is the connection still there?
            await connection.fetchval("SELECT 1", timeout=5)
    raise ConnectionError("the listening connection was closed")
