"""Each staff member's calendar feed: exactly the deadlines they are responsible for, as a
valid RFC 5545 calendar with nothing confidential in it, at a secret address that works
without a cookie and stops working once revoked or replaced; the page that makes it is
refused to every role without the permission and to anonymous visitors."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from urllib.parse import urlsplit

import icalendar

from registry.accessions import lifecycle
from registry.audit.services import SYSTEM, staff_actor
from registry.cases import decisions, panel, services
from registry.cases.schemas import ComplaintForm
from registry.cases.tables import CalendarFeed
from registry.deadlines import services as deadlines
from registry.staff import guards
from registry.staff import services as staff_services
from registry.staff.permissions import ROLE_PERMISSIONS, Permission
from tests.accessions.test_lifecycle import accepted
from tests.accessions.test_submission import FORM
from tests.factories import Staff, staff_get, staff_session
from tests.staff.helpers import csrf_token, events_after, last_event_id

ACCOUNT = ("On 3 May the organisation published the names of two volunteers without "
           "their consent.")


async def file_case(respondent: str, settings) -> str:
    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[3], account=ACCOUNT,
        anonymous=True), language="en", settings=settings)
    return filed.reference


async def acknowledged(respondent: str, settings) -> str:
    reference = await file_case(respondent, settings)
    await decisions.acknowledge(reference, actor=SYSTEM, settings=settings)
    return reference


async def new_address(client, staff: Staff) -> str:
    """Make a new feed address on the page, as the member would; returns its path."""
    page = await staff_get(client, staff, "/staff/calendar")
    assert page.status_code == 200, page.text[-1500:]
    made = await client.post("/staff/calendar/new",
                             data={"_csrf_token": csrf_token(page.text)},
                             follow_redirects=False)
    assert made.status_code == 200, made.text[-1500:]
    assert made.headers["cache-control"] == "no-store"
    found = re.search(r'<code class="calendar-address">([^<]+)</code>', made.text)
    assert found, made.text[-2000:]
    assert found[1].startswith("http://127.0.0.1:8000/staff/calendar/")
    assert found[1].endswith(".ics")
    return urlsplit(found[1]).path


async def fetch(client, path: str):
    """As a calendar program: no cookie at all."""
    client.cookies.clear()
    return await client.get(path, follow_redirects=False)


async def calendar_at(client, path: str) -> icalendar.Calendar:
    got = await fetch(client, path)
    assert got.status_code == 200, got.text[-1500:]
    assert got.headers["content-type"] == "text/calendar; charset=utf-8"
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in got.headers  # no CSRF cookie, no session
    assert b"\r\n" in got.content  # RFC 5545 lines end in CRLF
    parsed = icalendar.Calendar.from_ical(got.content)
    assert str(parsed["VERSION"]) == "2.0" and parsed["PRODID"]
    return parsed


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    """The calendar's events, by the reference in their summary."""
    found = {}
    for event in cal.walk("VEVENT"):
        reference = re.match(r"Case (\S+): ", str(event["SUMMARY"]))[1]
        assert reference not in found, "one event per deadline"
        found[reference] = event
    return found


async def stage_deadline(reference: str, kind: str) -> deadlines.Due:
    return (await deadlines.open_for(f"case:{reference}"))[kind]


async def test_each_member_sees_exactly_the_deadlines_they_are_responsible_for(
        client, synced):
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    idle = await staff_session(synced, "panel_member")
    received = await file_case(respondent, synced)
    sat_on = await acknowledged(respondent, synced)
    unseated = await acknowledged(respondent, synced)
    await panel.assign(sat_on, member.id, actor=staff_actor(chair.id), settings=synced)

    feeds = {who: await new_address(client, staff) for who, staff in (
        ("secretariat", secretariat), ("chair", chair), ("member", member), ("idle", idle))}
    seen = {who: events(await calendar_at(client, path)) for who, path in feeds.items()}
    assert set(seen["member"]) == {sat_on}
    assert set(seen["secretariat"]) == {received}  # cases waiting for acknowledgement
    assert set(seen["chair"]) == {unseated}  # the panel must act and nobody sits
    assert seen["idle"] == {}  # sitting on nothing: an empty calendar, still valid

    event = seen["member"][sat_on]
    due = await stage_deadline(sat_on, "case:admissibility")
    assert str(event["SUMMARY"]) == f"Case {sat_on}: decision on admissibility"
    start = event["DTSTART"].dt
    assert type(start) is date and start == due.due_at.date()  # an all-day event
    assert str(event["UID"]) == f"case-deadline-{due.id}@principles-registry"
    assert str(event["URL"]) == f"http://127.0.0.1:8000/staff/cases/{sat_on}"
    assert "paused" not in str(event["DESCRIPTION"])
    assert str(seen["secretariat"][received]["SUMMARY"]) == (
        f"Case {received}: acknowledgement")
    assert str(seen["chair"][unseated]["SUMMARY"]) == (
        f"Case {unseated}: decision on admissibility")

    # The UID stays the same from one fetch to the next: calendars update, not duplicate.
    again = events(await calendar_at(client, feeds["member"]))
    assert str(again[sat_on]["UID"]) == str(event["UID"])

    # Nothing confidential: no party's name or id, no word of what happened.
    for path in feeds.values():
        body = (await fetch(client, path)).text
        assert FORM["public_name"] not in body and respondent not in body
        assert "volunteers" not in body and ACCOUNT[:30] not in body
        assert "complaint" not in body.lower()

    # A recusal ends the seat: the case leaves the member's calendar and, nobody
    # sitting any more, comes to the chair's.
    await panel.recuse(sat_on, member.id, "I advised the organisation last year.",
                       actor=staff_actor(member.id), settings=synced)
    assert events(await calendar_at(client, feeds["member"])) == {}
    assert set(events(await calendar_at(client, feeds["chair"]))) == {sat_on, unseated}


async def test_a_paused_deadline_is_not_said_to_be_paused(client, synced):
    """A calendar may be synced to any server: a pause would tell a persecution mark."""
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    received = await file_case(respondent, synced)
    path = await new_address(client, secretariat)
    before = (await fetch(client, path)).text
    await lifecycle.mark_persecuted(respondent, True, actor=SYSTEM, settings=synced)
    [event] = (await calendar_at(client, path)).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Case {received}: acknowledgement"
    after = (await fetch(client, path)).text
    assert "paused" not in after.lower() and "persecuted" not in after.lower()
    strip = [line for line in after.splitlines() if not line.startswith("DTSTAMP")]
    assert strip == [line for line in before.splitlines() if not line.startswith("DTSTAMP")]


async def test_a_revoked_or_replaced_address_is_not_found_like_an_unknown_one(
        client, synced):
    member = await staff_session(synced, "panel_member")
    before = await last_event_id()
    first = await new_address(client, member)
    assert (await fetch(client, first)).status_code == 200
    # Only the SHA-256 of the token is kept.
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    [row] = await CalendarFeed.select().where(CalendarFeed.revoked_at.is_null()
                                              & (CalendarFeed.staff == member.id))
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(await CalendarFeed.select(), default=str)

    second = await new_address(client, member)  # replaces the first
    replaced = await fetch(client, first)
    assert replaced.status_code == 404
    assert (await fetch(client, second)).status_code == 200

    page = await staff_get(client, member, "/staff/calendar")
    assert "You have a calendar address" in page.text
    assert "calendar-address" not in page.text  # shown once, when it was made
    revoked = await client.post("/staff/calendar/revoke",
                                data={"_csrf_token": csrf_token(page.text)},
                                follow_redirects=False)
    assert revoked.status_code == 303
    assert "You have no calendar address" in (
        await staff_get(client, member, "/staff/calendar")).text
    gone = await fetch(client, second)
    unknown = await fetch(client, "/staff/calendar/" + "x" * 43 + ".ics")
    assert gone.status_code == replaced.status_code == unknown.status_code == 404

    def words(response, path: str) -> str:  # the page links back to its own address
        return response.text.replace(path, "PATH")

    assert words(gone, second) == words(replaced, first) == words(
        unknown, "/staff/calendar/" + "x" * 43 + ".ics")
    assert "There is no calendar at this address." in gone.text
    assert (await fetch(client, "/staff/calendar/nothing")).status_code == 404

    tags = [e["tag"] for e in await events_after(before, subject=f"staff:{member.id}")]
    assert tags == ["case:calendar:created", "case:calendar:revoked",
                    "case:calendar:created", "case:calendar:revoked"]
    assert not await CalendarFeed.exists().where(
        (CalendarFeed.staff == member.id) & CalendarFeed.revoked_at.is_null())


async def test_a_disabled_member_has_no_feed(client, synced):
    member = await staff_session(synced, "secretariat")
    path = await new_address(client, member)
    assert (await fetch(client, path)).status_code == 200
    await staff_services.disable_staff(member.id, actor=SYSTEM)
    assert (await fetch(client, path)).status_code == 404


async def test_the_page_is_refused_without_the_permission_and_without_a_login(
        client, synced):
    without = [role for role, allowed in ROLE_PERMISSIONS.items()
               if Permission.cases_calendar_manage not in allowed]
    assert without  # the admin, at least
    for role in without:
        staff = await staff_session(synced, role.value)
        assert (await staff_get(client, staff, "/staff/calendar")).status_code == 403
        form = await client.get("/complaints/follow-up")
        for action in ("/staff/calendar/new", "/staff/calendar/revoke"):
            refused = await client.post(action, data={
                "_csrf_token": csrf_token(form.text)}, follow_redirects=False)
            assert refused.status_code == 403, (role, action)
        assert not await CalendarFeed.exists().where(CalendarFeed.staff == staff.id)
    client.cookies.clear()
    anonymous = await client.get("/staff/calendar", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/staff/login?next=/staff/calendar"
    form = await client.get("/complaints/follow-up")
    posted = await client.post("/staff/calendar/new", data={
        "_csrf_token": csrf_token(form.text)}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/staff/login")
    assert guards.SESSION_COOKIE not in client.cookies
