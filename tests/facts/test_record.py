"""Recording public facts: inside the transaction that makes them true, numbered without
gaps or duplicates however many write at once, followed by their subscribers."""

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from registry import db
from registry.facts import services as facts
from registry.facts.kinds import AccessionSuspended, Fact, Party
from registry.facts.tables import PublicFact


@dataclass(frozen=True)
class Noted(Fact):
    """A kind of fact for these tests only."""

    kind: ClassVar[str] = "test:noted"
    note: str

    @property
    def subject(self) -> str:
        return f"test:{self.note}"

    def public(self) -> dict:
        return {"note": self.note}


async def _numbers() -> list[int]:
    return [row["seq"] for row in await PublicFact.select(PublicFact.seq).order_by(
        PublicFact.seq)]


async def test_a_fact_needs_the_transaction_that_makes_it_true(settings):
    with pytest.raises(RuntimeError, match="inside the write transaction"):
        await facts.record(Noted("outside"), now=datetime.now(UTC))


async def test_a_rolled_back_fact_leaves_no_trace_and_no_gap(settings):
    before = await facts.count()
    seen: list[str] = []

    async def follower(fact: Noted, now: datetime) -> None:
        seen.append(fact.note)

    async def change_that_fails() -> None:
        async with db.write_transaction():
            await facts.record(Noted("undone"), now=datetime.now(UTC))
            raise ZeroDivisionError  # the change fails after the fact was recorded

    facts.subscribe(Noted, follower)
    with pytest.raises(ZeroDivisionError):
        await change_that_fails()
    assert seen == ["undone"]  # the subscriber ran inside the transaction ...
    assert await facts.count() == before  # ... which left nothing
    async with db.write_transaction():
        await facts.record(Noted(kept_note := f"kept-{secrets.token_hex(4)}"),
                           now=datetime.now(UTC))
    [kept] = await facts.of_subject(f"test:{kept_note}")
    assert kept.seq == before  # the next number, no gap where the rolled back one was
    assert json.loads(kept.entry) == {"kind": "test:noted", "note": kept_note,
                                      "at": kept.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert kept.entry.startswith('{"at":"')  # canonical: keys sorted, no spaces


async def test_twenty_writers_at_once_leave_no_gap_and_no_duplicate(settings):
    before = await facts.count()

    async def writer(n: int) -> None:
        async with db.write_transaction():
            await facts.record(Noted(f"writer-{n}"), now=datetime.now(UTC))
            await asyncio.sleep(0.01 * (n % 3))  # commits in another order than starts
            if n % 5 == 4:
                raise LookupError("this writer changes its mind")

    results = await asyncio.gather(*(writer(n) for n in range(20)), return_exceptions=True)
    assert sum(isinstance(result, LookupError) for result in results) == 4
    assert [r for r in results if r is not None and not isinstance(r, LookupError)] == []
    numbers = await _numbers()
    assert numbers == list(range(len(numbers)))  # from 0, no gap, no duplicate, ever
    assert len(numbers) == before + 16


async def test_an_unlisted_signatory_appears_only_as_a_commitment(settings):
    # The entries as they are written (recording them would make the badges follow
    # signatories that these tests do not create).
    public_id, hidden_id = f"Pub1ic{secrets.token_hex(4)}", f"Hidd3n{secrets.token_hex(4)}"
    listed = Party(row_id=1, public_id=public_id, listed=True, name="Viasna")
    unlisted = Party(row_id=2, public_id=hidden_id, listed=False, name=None)
    now = datetime(2026, 11, 30, 12, 0, 1, 999, tzinfo=UTC)

    def suspended(party: Party) -> AccessionSuspended:
        return AccessionSuspended(party=party, status="suspended", version="1.0",
                                  until=datetime(2027, 3, 1, tzinfo=UTC).date())

    shown = facts.entry(suspended(listed), now)
    assert shown == (
        '{"at":"2026-11-30T12:00:01Z","kind":"accession:suspended","name":"Viasna",'
        f'"signatory":"{public_id}","status":"suspended","until":"2027-03-01",'
        '"version":"1.0"}').encode()
    assert suspended(listed).subject == f"signatory:{public_id}"
    hidden = suspended(unlisted)
    body = json.loads(facts.entry(hidden, now))
    assert set(body) == {"kind", "at", "commitment"} and len(body["commitment"]) == 64
    assert hidden_id not in json.dumps(body) and hidden_id not in hidden.subject
    assert hidden.subject == f"commitment:{body['commitment']}"
    # The same party always commits to the same value, and another does not.
    assert unlisted.subject == Party(9, hidden_id, False, None).subject
    assert unlisted.subject != Party(2, "Other", False, None).subject


async def test_facts_cannot_be_changed_or_removed(settings):
    async with db.write_transaction():
        await facts.record(Noted(note := f"permanent-{secrets.token_hex(4)}"),
                           now=datetime.now(UTC))
    for attempt in (PublicFact.update({PublicFact.entry: "{}"}, force=True),
                    PublicFact.delete(force=True)):
        with pytest.raises(Exception, match="append-only"):
            await attempt
    assert len(await facts.of_subject(f"test:{note}")) == 1
