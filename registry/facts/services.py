"""Recording public facts, and whoever follows them.

`record(fact, now=...)` is the one way a public change is announced. It runs inside the
caller's write transaction: the subscribers of the fact's kind (the badge brought in
line, for one) run at once in that transaction, and the fact itself is appended when the
transaction commits, taking the next number of one gap-free sequence. Appending at the
end means the sequence's lock is taken after every lock of the change itself (only the
change counters' rows come later, and nothing waits on the sequence holding one), so it
cannot close a cycle of waits, and the numbers follow the order of the commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from registry import db
from registry.canonical import canonical_json
from registry.facts.kinds import ACCESSION_KINDS, Fact, Party
from registry.facts.tables import PublicFact

F = TypeVar("F", bound=Fact)
# A subscriber may return a line for the report of whoever recorded the fact (a sync
# says how many accessions a new version superseded).
Subscriber = Callable[[Any, datetime], Awaitable[str | None]]
_subscribers: dict[type[Fact], list[Subscriber]] = {}
SEQUENCE_LOCK = "facts:sequence"


def subscribe(kind: type[F],
              subscriber: Callable[[F, datetime], Awaitable[str | None]]) -> None:
    """Run `subscriber(fact, now)` in the recording transaction of every fact of `kind`
    (or of a kind derived from it). Registering the same subscriber twice is harmless."""
    found = _subscribers.setdefault(kind, [])
    if subscriber not in found:
        found.append(subscriber)


def subscribers_of(fact: Fact) -> list[Subscriber]:
    return [subscriber for kind in type(fact).__mro__ if isinstance(kind, type)
            for subscriber in _subscribers.get(kind, [])]  # type: ignore[arg-type]


def entry(fact: Fact, now: datetime) -> bytes:
    """The fact as the log will hold it: canonical JSON (see registry/canonical.py)."""
    return canonical_json({"kind": fact.kind, "at": now.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"), **fact.public()})


async def record(fact: Fact, *, now: datetime) -> list[str]:
    """Announce a public fact, inside the caller's write transaction; returns what its
    subscribers had to report."""
    if not db.in_write_transaction():
        raise RuntimeError("facts are recorded inside the write transaction that makes them true")
    row = PublicFact(seq=-1, kind=fact.kind, subject=fact.subject,
                     entry=entry(fact, now).decode("utf-8"), recorded_at=now)
    db.before_commit(_append, row)
    said = [await subscriber(fact, now) for subscriber in subscribers_of(fact)]
    return [line for line in said if line]


async def _append(rows: list[PublicFact]) -> None:
    """At commit: number this transaction's facts after every fact committed before."""
    await db.serialise(SEQUENCE_LOCK)
    last = await PublicFact.select(PublicFact.seq).order_by(
        PublicFact.seq, ascending=False).first()
    after = -1 if last is None else last["seq"]
    for offset, row in enumerate(rows, start=1):
        row.seq = after + offset
    await PublicFact.insert(*rows)


# --- Reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    seq: int
    kind: str
    subject: str
    entry: str
    recorded_at: datetime


def _recorded(row: dict) -> Recorded:
    return Recorded(row["seq"], row["kind"], row["subject"], row["entry"], row["recorded_at"])


async def of_subject(subject: str, kinds: Iterable[str] | None = None) -> list[Recorded]:
    """Every fact about a subject, in order."""
    query = PublicFact.select().where(PublicFact.subject == subject)
    if kinds is not None:
        query = query.where(PublicFact.kind.is_in(sorted(kinds)))
    return [_recorded(row) for row in await query.order_by(PublicFact.seq)]


async def history(party: Party) -> list[Recorded]:
    """A signatory's public history: its accession facts, oldest first."""
    return await of_subject(party.subject, ACCESSION_KINDS)


async def since(seq: int, limit: int = 1000) -> list[Recorded]:
    """Facts after number `seq`, in order (`seq=-1` from the first)."""
    rows = await PublicFact.select().where(PublicFact.seq > seq).order_by(
        PublicFact.seq).limit(limit)
    return [_recorded(row) for row in rows]


async def count() -> int:
    last = await PublicFact.select(PublicFact.seq).order_by(
        PublicFact.seq, ascending=False).first()
    return 0 if last is None else int(last["seq"]) + 1
