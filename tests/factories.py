"""Small factories for tests: a signatory's state as one row, the scheduler's pass with a
chosen `now`, and moving a deadline in time (what a test does instead of waiting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from registry import db, runtime
from registry.accessions.holders import (
    LAPSE,
    REMINDER,
    SUPERSESSION,
    SUSPENSION_END,
    WITHDRAWAL,
    holder,
    persecution_mark,
    subject_of,
)
from registry.accessions.tables import Signatory
from registry.badges import services as badges
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline
from registry.keys.sealed import seal_moment


async def signatory_row(public_id: str) -> dict:
    """The signatory's row with its dates as they were once columns of it: the end of
    its year, the end of a superseded accession's grace, a pending withdrawal's date, the
    end of a suspension, the persecuted mark, and when this year's reminder went out."""
    h = await holder(public_id)
    sent = await deadlines.last(h.subject, REMINDER)
    return {**h.signatory, "reaffirm_due": h.year_ends, "grace_until": h.due(SUPERSESSION),
            "withdrawal_effective_at": h.withdrawal_effective_at,
            "suspended_until": h.due(SUSPENSION_END), "persecuted_since": h.persecuted_since,
            "reminded_at": sent.closed_at if sent and sent.outcome == "done"
            and sent.stated_at == h.year_ends else None}


@dataclass(frozen=True)
class Pass:
    """What one run of the scheduler's deadlines and the badges' daily job did."""

    reminded: int
    lapsed: int
    withdrawn: int
    reinstated: int
    renewed: int  # credentials issued anew (paused deadlines must not let a badge lapse)


async def run_deadlines(settings, *, now: datetime | None = None) -> Pass:
    now = now or datetime.now(UTC)
    done = (await deadlines.run_due(now)).done
    renewed = await badges.renew_expiring(runtime.settings(), now)
    return Pass(reminded=done[REMINDER], lapsed=done[LAPSE] + done[SUPERSESSION],
                withdrawn=done[WITHDRAWAL], reinstated=done[SUSPENSION_END], renewed=renewed)


async def move_deadline(public_id: str, kind: str, *, due_at: datetime,
                        stated_at: datetime | None = None,
                        paused_since: datetime | None = None) -> None:
    """Set an open deadline of the signatory as if time had passed."""
    due = (await deadlines.open_for(subject_of(public_id)))[kind]
    await Deadline.update({Deadline.due_at: due_at, Deadline.stated_at: stated_at,
                           Deadline.paused: seal_moment(Deadline.paused, paused_since)}).where(
        Deadline._meta.primary_key == due.id)


async def close_deadline(public_id: str, kind: str, *, at: datetime) -> None:
    """As if the deadline had fallen due and been acted on at `at`."""
    due = (await deadlines.open_for(subject_of(public_id)))[kind]
    async with db.write_transaction():
        await deadlines.close(due, now=at)


async def backdate_mark(public_id: str, since: datetime) -> None:
    """As if the signatory had been marked persecuted at `since`."""
    await Signatory.update({Signatory.persecution: persecution_mark(since)}).where(
        Signatory.public_id == public_id)


# --- Cases of the Principle 15 procedure -----------------------------------------------

async def fall_due(reference: str, kind: str) -> None:
    """As if the case's deadline of this kind had come: moved to a moment ago, then the
    scheduler's pass."""
    from registry.cases.stages import subject_of

    due = (await deadlines.open_for(subject_of(reference)))[kind]
    await Deadline.update({Deadline.due_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Deadline._meta.primary_key == due.id)
    await deadlines.run_due(datetime.now(UTC))


@dataclass
class Staff:
    """A logged-in staff member, for HTTP tests that switch between several."""

    id: int
    session: str


async def staff_session(settings, *roles: str, name: str = "Ales Test",
                        language: str = "en") -> Staff:
    from tests.staff.helpers import make_member, session_for

    member = await make_member(settings, *roles, name=name, language=language)
    return Staff(member.id, await session_for(member, settings))


async def staff_get(client, staff: Staff, path: str):
    from registry.staff import guards

    client.cookies.set(guards.SESSION_COOKIE, staff.session)
    return await client.get(path, follow_redirects=False)


async def staff_post(client, staff: Staff, path: str, data: dict | None = None):
    """Post a staff form as this member (a CSRF token from any page's form)."""
    from registry.staff import guards
    from tests.staff.helpers import csrf_token

    client.cookies.set(guards.SESSION_COOKIE, staff.session)
    page = await client.get("/complaints/follow-up")
    return await client.post(path, data={**(data or {}), "_csrf_token": csrf_token(page.text)},
                             follow_redirects=False)
