"""Each staff member's calendar feed of their deadlines: an RFC 5545 calendar at a secret
address that a calendar program subscribes to (it cannot log in).

- **The address** holds a random token; the table keeps only its SHA-256. Making a new
  one revokes the live one (a partial unique index allows one live feed per member), and
  revoking ends it; either way the old address answers as an unknown one does: one query
  that finds no live feed, the same words.
- **What it lists**: one all-day event per deadline the member is responsible for, the
  same people the deadline's reminder and overdue notice go to (decisions.py): the stage
  deadline of every open case they sit on (a seat on the case's current instance, not
  recused); for the secretariat, every case waiting for acknowledgement; for the chair,
  every decision waiting for publication, and every case whose panel must act while
  nobody sits on it (admissibility, the appeal).
- **Nothing confidential**: a case's reference, what falls due and when, and the
  address of its page in the staff area. No party's name, no word of the case, not even
  its kind, and not whether a deadline is paused (that would tell a persecution mark to
  whatever calendar server the feed is synced to); no sealed column is opened for it.
- A member who is disabled, or whose roles no longer allow a feed, has none: their
  address answers as an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar

from registry import db, runtime
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import stages
from registry.cases.tables import CalendarFeed, Case, Instance, PanelSeat, Stage
from registry.deadlines import services as deadlines
from registry.keys import tokens
from registry.refusals import NotFound
from registry.settings import Settings
from registry.staff.permissions import Permission, Role, parse_roles, permissions_of
from registry.staff.tables import StaffStatus
from registry.translation import N_, gettext, using

_FEED = CalendarFeed._meta.primary_key
PRODID = "-//Principles Registry//Deadlines//EN"
NO_FEED = N_("There is no calendar at this address.")
CALENDAR_NAME = N_("Principles Registry: your deadlines")
SUMMARY = N_("Case %(reference)s: %(what)s")
OPEN_CASE = N_("The case in the staff area: %(url)s")


def _now() -> datetime:
    return datetime.now(UTC)


def _subject(staff_id: int) -> str:
    return f"staff:{staff_id}"


# --- The address -----------------------------------------------------------------------

async def _revoke_live(staff_id: int, *, actor: audit.Actor, now: datetime,
                       replaced: bool) -> bool:
    revoked = await CalendarFeed.update({CalendarFeed.revoked_at: now}).where(
        (CalendarFeed.staff == staff_id) & CalendarFeed.revoked_at.is_null()).returning(_FEED)
    if revoked:
        await audit.record(EventTag.case_calendar_revoked, actor=actor,
                           subject=_subject(staff_id), details={"replaced": replaced})
    return bool(revoked)


async def new_feed(staff_id: int, *, actor: audit.Actor) -> str:
    """A new secret address for the member's feed (its token, shown once); the live one,
    if any, stops working."""
    token, digest = tokens.new_token()
    now = _now()
    async with db.write_transaction():
        # Two requests at once must not both find no live feed (PostgreSQL); the partial
        # unique index is the last word.
        await db.serialise(f"calendar:{_subject(staff_id)}")
        await _revoke_live(staff_id, actor=actor, now=now, replaced=True)
        await CalendarFeed.insert(CalendarFeed(staff=staff_id, token_hash=digest,
                                               created_at=now))
        await audit.record(EventTag.case_calendar_created, actor=actor,
                           subject=_subject(staff_id))
    return token


async def revoke_feed(staff_id: int, *, actor: audit.Actor) -> bool:
    """End the member's live address; False if there was none."""
    async with db.write_transaction():
        await db.serialise(f"calendar:{_subject(staff_id)}")
        return await _revoke_live(staff_id, actor=actor, now=_now(), replaced=False)


@dataclass(frozen=True)
class FeedStatus:
    live: bool
    since: datetime | None  # when the live address was made


async def feed_status(staff_id: int) -> FeedStatus:
    row = await CalendarFeed.select(CalendarFeed.created_at).where(
        (CalendarFeed.staff == staff_id) & CalendarFeed.revoked_at.is_null()).first()
    return FeedStatus(live=row is not None, since=row["created_at"] if row else None)


def feed_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/staff/calendar/{token}.ics"


# --- Whose deadlines -------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    reference: str
    due: deadlines.Due


def _instance(stage: Stage) -> Instance:
    return Instance.appeal if stage in stages.APPEAL_STAGES else Instance.first


def _responsible(stage: Stage, *, sits: bool, anyone_sits: bool,
                 roles: frozenset[Role]) -> bool:
    """Whether the stage's deadline is this member's (as decisions._responsible says
    whom its reminder and overdue notice go to; members who sit see every deadline of
    their case, the parties' too)."""
    clock = stages.CLOCKS.get(stage)
    if clock is None:
        return False
    if sits:
        return True
    if clock.who == "secretariat":
        return Role.secretariat in roles
    if clock.who == "chair":
        return Role.panel_chair in roles
    if clock.who == "panel":
        return not anyone_sits and Role.panel_chair in roles
    return False  # a party's time: seen by the members who sit on the case


async def entries_for(staff_id: int, roles: frozenset[Role]) -> list[Entry]:
    """The deadlines this member is responsible for, soonest first. Reads no sealed
    column of the case."""
    cases = await Case.select(Case._meta.primary_key, Case.reference, Case.stage).where(
        Case.stage.not_in(sorted(stages.FINAL)))
    if not cases:
        return []
    seats = await PanelSeat.select(PanelSeat.case_file, PanelSeat.staff,
                                   PanelSeat.instance).where(PanelSeat.recused_at.is_null())
    mine = {(s["case_file"], s["instance"]) for s in seats if s["staff"] == staff_id}
    taken = {(s["case_file"], s["instance"]) for s in seats}
    chosen: list[tuple[str, str]] = []  # reference, kind
    for row in cases:
        stage = Stage(row["stage"])
        seat = (row["id"], _instance(stage).value)
        if _responsible(stage, sits=seat in mine, anyone_sits=seat in taken, roles=roles):
            chosen.append((row["reference"], stages.CLOCKS[stage].kind))
    current = await deadlines.open_of_kinds(
        stages.CLOCK_KINDS, [stages.subject_of(reference) for reference, _ in chosen])
    found = []
    for reference, kind in chosen:
        subject = stages.subject_of(reference)
        # Open, or (a deadline of staff, overdue) the last one, closed when it fell due.
        due = current.get(subject, {}).get(kind) or await deadlines.last(subject, kind)
        if due is not None:
            found.append(Entry(reference, due))
    return sorted(found, key=lambda e: (e.due.due_at, e.due.id))


# --- The calendar ----------------------------------------------------------------------

def calendar(entries: list[Entry], *, language: str, base_url: str,
             now: datetime | None = None) -> bytes:
    """The RFC 5545 calendar of these deadlines, its words in `language`."""
    stamp = now or _now()
    with using(language):
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("name", gettext(CALENDAR_NAME))  # RFC 7986
        cal.add("x-wr-calname", gettext(CALENDAR_NAME))
        # How often a calendar program should fetch it again (RFC 7986, and its forerunner).
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        for entry in entries:
            due = entry.due
            url = f"{base_url}/staff/cases/{entry.reference}"
            what = gettext(stages.DUE_WORDS.get(due.kind, due.kind))
            summary = gettext(SUMMARY) % {"reference": entry.reference, "what": what}
            lines = [gettext(OPEN_CASE) % {"url": url}]
            shown = stages.shown_due(due, datetime.now(UTC)) or due.due_at
            day = shown.astimezone(UTC).date()
            event = icalendar.Event()
            event.add("uid", f"case-deadline-{due.id}@principles-registry")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", summary)
            event.add("description", "\n\n".join(lines))
            event.add("url", url)
            event.add("class", "PRIVATE")
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
        return cal.to_ical()


async def feed(token: str, *, settings: Settings | None = None) -> bytes:
    """The calendar behind a feed's secret address. An unknown, revoked or replaced
    address, or one of a member who may no longer have a feed, is refused in the same
    words after the same one query."""
    row = await CalendarFeed.select(
        CalendarFeed.staff, CalendarFeed.staff.status, CalendarFeed.staff.roles,
        CalendarFeed.staff.language).where(
        (CalendarFeed.token_hash == tokens.token_hash(token))
        & CalendarFeed.revoked_at.is_null()).first()
    if row is None:
        raise NotFound(NO_FEED)
    roles = parse_roles(row["staff.roles"])
    if row["staff.status"] != StaffStatus.active or (
            Permission.cases_calendar_manage not in permissions_of(roles)):
        raise NotFound(NO_FEED)
    settings = settings or runtime.settings()
    return calendar(await entries_for(row["staff"], roles), language=row["staff.language"],
                    base_url=settings.base_url)
