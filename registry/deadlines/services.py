"""The rules of deadlines: schedule, close, pause and resume, and process what falls due.

A capability registers each kind of deadline with the function that acts on it. The
scheduler processes a deadline at most once, however many processes run it: it takes the
subject's lock (the same `db.serialise(subject)` its capability takes before changing the
subject, so the two never deadlock), then closes the deadline and acts in one
transaction; a second process finds it closed.

Pausing a subject pauses its deadlines; resuming moves each by exactly the pause it saw,
one rule for every kind. Whether a deadline is paused is sealed in the database.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from registry import db
from registry.deadlines.tables import Deadline
from registry.keys.sealed import seal_moment, unseal_moment

log = logging.getLogger("registry.deadlines")
_ID = Deadline._meta.primary_key


@dataclass(frozen=True)
class Due:
    """A deadline as the rules see it, its pause opened."""

    id: int
    subject: str
    kind: str
    due_at: datetime
    stated_at: datetime | None
    paused_since: datetime | None
    created_at: datetime
    closed_at: datetime | None
    outcome: str | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of deadline and what the registry does when one falls due. `act` runs
    inside the scheduler's transaction, with the subject locked and the deadline already
    closed; it re-checks whatever it relies on, and says whether it changed anything.
    A kind that only ever works in the subject's favour (the end of a suspension) does
    not pause."""

    name: str
    act: Callable[[Due, datetime], Awaitable[bool]]
    pauses: bool = True
    # The locks to take, in this order, before acting on a deadline of the subject; by
    # default the subject's own. A case takes its respondent's lock before its own, as
    # every change of the case does, so that the two orders never cross.
    locks: Callable[[str], Awaitable[list[str]]] | None = None


_kinds: dict[str, DeadlineKind] = {}
# Called after a subject's deadlines were paused or resumed, in the same transaction:
# others whose clocks stop with it (a case, with its persecuted respondent) follow.
PauseFollower = Callable[[str, bool, datetime], Awaitable[None]]
_followers: list[PauseFollower] = []


def register(kind: DeadlineKind) -> None:
    _kinds[kind.name] = kind


def follow_pauses(follower: PauseFollower) -> None:
    """Run `follower(subject, paused, now)` whenever a subject is paused or resumed."""
    if follower not in _followers:
        _followers.append(follower)


def _due(row: dict) -> Due:
    return Due(id=row["id"], subject=row["subject"], kind=row["kind"], due_at=row["due_at"],
               stated_at=row["stated_at"],
               paused_since=unseal_moment(Deadline.paused, row["paused"]),
               created_at=row["created_at"], closed_at=row["closed_at"],
               outcome=row["outcome"])


def _pausable(kind: str) -> bool:
    registered = _kinds.get(kind)
    return registered is None or registered.pauses


# --- Changing deadlines (inside the caller's write transaction, subject locked) --------

async def schedule(subject: str, kind: str, due_at: datetime, *, now: datetime,
                   stated_at: datetime | None = None,
                   paused_since: datetime | None = None) -> None:
    """Set the subject's deadline of this kind, replacing an open one. A subject whose
    deadlines are paused gets this one paused from now (pass `paused_since`)."""
    await _close(subject, [kind], now, "replaced")
    await Deadline.insert(Deadline(
        subject=subject, kind=kind, due_at=due_at, stated_at=stated_at, created_at=now,
        paused=seal_moment(Deadline.paused, paused_since if _pausable(kind) else None)))


async def cancel(subject: str, kinds: Iterable[str] | None = None, *, now: datetime) -> None:
    """Close the subject's open deadlines (of these kinds, or all): nothing will happen."""
    await _close(subject, None if kinds is None else list(kinds), now, "cancelled")


async def close(deadline: Due, *, now: datetime, outcome: str = "done") -> bool:
    """Close one deadline; False if it was closed already (by another process)."""
    closed = await Deadline.update({Deadline.closed_at: now, Deadline.outcome: outcome}).where(
        (_ID == deadline.id) & Deadline.closed_at.is_null()).returning(_ID)
    return bool(closed)


async def _close(subject: str, kinds: list[str] | None, now: datetime, outcome: str) -> None:
    query = Deadline.update({Deadline.closed_at: now, Deadline.outcome: outcome}).where(
        (Deadline.subject == subject) & Deadline.closed_at.is_null())
    if kinds is not None:
        query = query.where(Deadline.kind.is_in(kinds))
    await query


async def pause(subject: str, *, now: datetime) -> int:
    """Stop the clock of every open deadline of the subject that pauses."""
    paused = 0
    for deadline in (await open_for(subject)).values():
        if deadline.paused_since is None and _pausable(deadline.kind):
            await Deadline.update({Deadline.paused: seal_moment(Deadline.paused, now)}
                                  ).where(_ID == deadline.id)
            paused += 1
    for follower in _followers:
        await follower(subject, True, now)
    return paused


async def resume(subject: str, *, now: datetime) -> int:
    """Start the clocks again: each paused deadline moves on by the time it was paused
    (from the pause, or from its own creation if it was made during the pause)."""
    resumed = 0
    for deadline in (await open_for(subject)).values():
        if deadline.paused_since is None:
            continue
        shift = now - deadline.paused_since
        await Deadline.update({
            Deadline.due_at: deadline.due_at + shift,
            Deadline.stated_at: deadline.stated_at + shift if deadline.stated_at else None,
            Deadline.paused: seal_moment(Deadline.paused, None),
        }).where(_ID == deadline.id)
        resumed += 1
    for follower in _followers:
        await follower(subject, False, now)
    return resumed


# --- Reading ---------------------------------------------------------------------------

async def open_for(subject: str) -> dict[str, Due]:
    """The subject's open deadlines, by kind."""
    rows = await Deadline.select().where(
        (Deadline.subject == subject) & Deadline.closed_at.is_null())
    return {row["kind"]: _due(row) for row in rows}


async def last(subject: str, kind: str) -> Due | None:
    """The subject's latest deadline of a kind, open or closed."""
    row = await Deadline.select().where(
        (Deadline.subject == subject) & (Deadline.kind == kind)).order_by(
        _ID, ascending=False).first()
    return _due(row) if row else None


async def open_of_kinds(kinds: list[str], subjects: list[str]) -> dict[str, dict[str, Due]]:
    """These subjects' open deadlines of these kinds, by subject then kind (one query)."""
    if not subjects:
        return {}
    rows = await Deadline.select().where(
        Deadline.kind.is_in(kinds) & Deadline.subject.is_in(subjects)
        & Deadline.closed_at.is_null())
    found: dict[str, dict[str, Due]] = {}
    for row in rows:
        found.setdefault(row["subject"], {})[row["kind"]] = _due(row)
    return found


async def falling_due(until: datetime, *, limit: int = 1000) -> list[Due]:
    """Open deadlines that fall due by `until`, soonest first (paused ones included)."""
    rows = await Deadline.select().where(
        Deadline.closed_at.is_null() & (Deadline.due_at <= until)).order_by(
        Deadline.due_at).order_by(_ID).limit(limit)
    return [_due(row) for row in rows]


# --- Processing ------------------------------------------------------------------------

@dataclass
class Report:
    # By kind: acted on, and something changed.
    done: Counter[str] = field(default_factory=Counter)
    idle: int = 0  # fell due, but nothing was left to do (the subject had moved on)
    paused: int = 0
    failed: int = 0

    def __str__(self) -> str:
        done = ", ".join(f"{count} {kind}" for kind, count in sorted(self.done.items()))
        return (f"{done or 'nothing due'}; {self.paused} paused"
                + (f"; {self.failed} failed (see the log)" if self.failed else ""))


async def run_due(now: datetime) -> Report:
    """Act on every deadline that has fallen due, each in its own transaction. Safe to run
    again, and in several processes at once: a deadline is acted on at most once."""
    report = Report()
    for deadline in await falling_due(now, limit=10_000):
        if deadline.paused_since is not None and _pausable(deadline.kind):
            report.paused += 1
            continue
        kind = _kinds.get(deadline.kind)
        if kind is None:
            log.error("no capability handles deadlines of kind %s", deadline.kind)
            report.failed += 1
            continue
        try:
            if await _act(kind, deadline, now):
                report.done[deadline.kind] += 1
            else:
                report.idle += 1
        except Exception:  # one subject's trouble must not stop everyone's deadlines
            log.exception("deadline %s (%s) failed; it stays open and is tried again",
                          deadline.id, deadline.kind)
            report.failed += 1
    return report


async def _act(kind: DeadlineKind, deadline: Due, now: datetime) -> bool:
    async with db.write_transaction():
        for lock in await kind.locks(deadline.subject) if kind.locks else [deadline.subject]:
            await db.serialise(lock)
        row = await Deadline.select().where(_ID == deadline.id).first()
        current = _due(row) if row else None
        if current is None or not current.open or current.due_at > now or (
                current.paused_since is not None and kind.pauses):
            return False  # closed, moved or paused by someone else meanwhile
        await close(current, now=now)
        if await kind.act(current, now):
            return True
        # Nothing was left to do: closed as "idle", so that nobody takes it for done
        # (a reminder closed this way was never sent).
        await Deadline.update({Deadline.outcome: "idle"}).where(_ID == current.id)
        return False

