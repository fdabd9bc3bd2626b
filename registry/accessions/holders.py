"""A signatory as the rules of accession see it: its row, its current accession, what it
applied with, its open deadlines and its (sealed) persecuted mark.

A signatory's deadlines are rows of the one deadlines table under the subject
`signatory:<public id>`, which is also the name of the lock every change of the
signatory takes (`locked`), and the scheduler's before it acts on one of them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from registry import db
from registry.accessions.services import link_refusal
from registry.accessions.tables import Accession, AccessionStatus, LinkPurpose, Signatory
from registry.deadlines import services as deadlines
from registry.facts.kinds import Party
from registry.keys.sealed import seal_moment, unseal, unseal_moment
from registry.refusals import NotFound
from registry.settings import Settings
from registry.translation import N_

# The kinds of deadline of a signatory.
REMINDER = "accession:reaffirmation_reminder"  # a month before the year ends
LAPSE = "accession:lapse"  # the year's end (stated) and the grace period after it (due)
WITHDRAWAL = "accession:withdrawal"  # the end of a withdrawal's cooling-off
SUSPENSION_END = "accession:suspension_end"
SUPERSESSION = "accession:supersession_grace"  # how long an old version's accession holds
YEAR_KINDS = (REMINDER, LAPSE)
_SIGNATORY = Signatory._meta.primary_key
_ACCESSION = Accession._meta.primary_key


def subject_of(public_id: str) -> str:
    return f"signatory:{public_id}"


def persecution_mark(since: datetime | None) -> str:
    """The sealed value of the persecuted mark (set since then, or not set)."""
    return seal_moment(Signatory.persecution, since)


@dataclass(frozen=True)
class Holder:
    """A signatory, its current accession, what was applied with (decrypted), its open
    deadlines by kind, and since when it is marked persecuted (never public)."""

    signatory: dict
    accession: dict
    application: dict[str, Any]
    deadlines: dict[str, deadlines.Due]
    persecuted_since: datetime | None

    @property
    def public_id(self) -> str:
        return str(self.signatory["public_id"])

    @property
    def subject(self) -> str:
        return subject_of(self.public_id)

    @property
    def status(self) -> AccessionStatus:
        return AccessionStatus(self.signatory["status"])

    @property
    def persecuted(self) -> bool:
        return self.persecuted_since is not None

    def due(self, kind: str) -> datetime | None:
        deadline = self.deadlines.get(kind)
        return deadline.due_at if deadline else None

    @property
    def year_ends(self) -> datetime | None:
        """When the accession's year ends (re-affirmation is due), while it runs."""
        lapse = self.deadlines.get(LAPSE)
        return lapse.stated_at if lapse else None

    @property
    def withdrawal_effective_at(self) -> datetime | None:
        return self.due(WITHDRAWAL)

    def party(self, **changes: Any) -> Party:
        """The signatory as public facts name it (after `changes` to its row)."""
        row = {**self.signatory, **changes}
        return Party(row_id=row["id"], public_id=row["public_id"],
                     listed=row["register_name"] is not None, name=row["register_name"])


async def holder_of(signatory: dict) -> Holder:
    accession = await Accession.select().where(
        Accession.signatory == signatory["id"]).order_by(
        Accession.decided_at, ascending=False).first()
    assert accession is not None, "every signatory comes from an accepted accession"
    return Holder(signatory, accession,
                  json.loads(unseal(Accession.application, accession["application"])),
                  await deadlines.open_for(subject_of(signatory["public_id"])),
                  unseal_moment(Signatory.persecution, signatory["persecution"]))


async def holder(public_id: str) -> Holder:
    row = await Signatory.select().where(Signatory.public_id == public_id[:40]).first()
    if row is None:
        raise NotFound(N_("There is no signatory %(id)r."), id=public_id[:40])
    return await holder_of(row)


async def holder_for_link(link: dict) -> Holder:
    accession = await Accession.select(Accession.signatory).where(
        _ACCESSION == link["accession"]).first()
    row = (await Signatory.select().where(_SIGNATORY == accession["signatory"]).first()
           if accession and accession["signatory"] else None)
    if row is None:  # a link of an application, never accepted: not for these pages
        raise link_refusal(LinkPurpose(link["purpose"]), "unknown")
    return await holder_of(row)


# Whatever brings a signatory in line before anyone changes it says so here: a version
# in force that the background job has not reached the signatory for yet supersedes it
# first (lifecycle.py), so that every change starts from the status readers show.
CatchUp = Callable[[Holder], Awaitable[bool]]
_catching_up: list[CatchUp] = []


def catch_up_with(step: CatchUp) -> None:
    """Run `step(h)` on every signatory `locked` reads; True: it changed the signatory."""
    if step not in _catching_up:
        _catching_up.append(step)


async def locked(public_id: str, *, caught_up: bool = True) -> Holder:
    """The signatory, read again under its lock (inside a write transaction), and
    brought in line first (see `catch_up_with`) unless the caller is what brings it in
    line (`caught_up=False`)."""
    await db.serialise(subject_of(public_id))
    h = await holder(public_id)
    for step in _catching_up if caught_up else ():
        if await step(h):
            h = await holder(public_id)
    return h


async def all_holders() -> list[Holder]:
    return [await holder_of(row) for row in await Signatory.select()]


# --- Scheduling a signatory's deadlines (inside the caller's transaction) -------------

async def schedule(h: Holder, kind: str, due_at: datetime, *, now: datetime,
                   stated_at: datetime | None = None) -> None:
    """A deadline of the signatory; paused from now if the signatory is persecuted."""
    await deadlines.schedule(h.subject, kind, due_at, now=now, stated_at=stated_at,
                             paused_since=now if h.persecuted else None)


async def schedule_year(h: Holder, year_ends: datetime, *, now: datetime,
                        settings: Settings) -> None:
    """The year of an accession: a reminder a month before it ends, and the lapse a grace
    period after. A reminder already sent for this very date is not sent again."""
    await schedule(h, LAPSE, year_ends + timedelta(days=settings.reaffirm_grace_days),
                   stated_at=year_ends, now=now)
    sent = await deadlines.last(h.subject, REMINDER)
    if not (sent and sent.outcome == "done" and sent.stated_at == year_ends):
        await schedule(h, REMINDER, year_ends - timedelta(days=settings.reaffirm_reminder_days),
                       stated_at=year_ends, now=now)


async def last_year_end(h: Holder, now: datetime) -> datetime | None:
    """The end of the signatory's latest year, running or not, with any pause it is in
    credited (the time since the pause does not count against the signatory)."""
    lapse = h.deadlines.get(LAPSE) or await deadlines.last(h.subject, LAPSE)
    if lapse is None or lapse.stated_at is None:
        return None
    credit = (now - lapse.paused_since if lapse.open and lapse.paused_since
              else timedelta(0))
    return lapse.stated_at + credit
