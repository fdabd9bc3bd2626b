"""The rules around the panel's work, each tested both ways: the transition table,
interim measures (the chair and a second member), deadlines that pause with a
persecuted party and move on by the pause, reminders in fixed words, evidence as
sandboxed downloads for confirmed members only, and what may be done only once."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from registry import db
from registry.accessions import lifecycle
from registry.audit.services import SYSTEM, staff_actor
from registry.audit.tables import AuditEvent
from registry.cases import decisions, panel, services, stages
from registry.cases.schemas import ComplaintForm
from registry.cases.stages import CLOCKS, FINAL, TRANSITIONS, Stage
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline
from registry.keys.sealed import seal_moment
from registry.mail.services import build_message
from registry.mail.tables import OutboxMessage
from registry.refusals import Conflict, Forbidden
from registry.translation import translations
from tests.accessions.test_lifecycle import accepted, text
from tests.badges.test_badges import badge_of
from tests.cases.test_procedure import ACCOUNT, follow_up, seat, stage
from tests.factories import fall_due, staff_get, staff_post, staff_session
from tests.staff.helpers import csrf_token


def test_every_stage_is_reachable_and_the_final_ones_lead_nowhere():
    reached, frontier = {Stage.received}, [Stage.received]
    while frontier:
        for following in TRANSITIONS[frontier.pop()]:
            if following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached == set(Stage)
    assert all(TRANSITIONS[final] == frozenset() for final in FINAL)
    # Every stage that waits has a clock, and its length is a setting.
    assert set(CLOCKS) == set(Stage) - FINAL
    from registry.settings import Settings

    assert all(clock.days in Settings.model_fields for clock in CLOCKS.values())


async def _admitted(client, synced, *, members: int = 2):
    respondent = await accepted(client, synced)
    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[11], account=ACCOUNT,
        anonymous=True), language="en", settings=synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    sitting = [await staff_session(synced, "panel_member") for _ in range(members)]
    await staff_post(client, secretariat, f"/staff/cases/{filed.reference}/acknowledge")
    await seat(client, chair, filed.reference, chair, *sitting)
    await staff_post(client, sitting[0], f"/staff/cases/{filed.reference}/admissibility",
                     {"admissible": "yes"})
    return respondent, filed, chair, sitting


async def test_an_interim_suspension_needs_the_chair_and_a_second_member(client, synced):
    respondent, filed, chair, (member, _other) = await _admitted(client, synced)
    ref = filed.reference
    until = (date.today() + timedelta(days=20)).isoformat()
    # A member who is not chair cannot propose one; too long a measure is refused.
    assert (await staff_post(client, member, f"/staff/cases/{ref}/interim",
                             {"until": until, "reason": "Threats against the filer."})
            ).status_code == 403
    too_long = (date.today() + timedelta(days=400)).isoformat()
    refused = await staff_post(client, chair, f"/staff/cases/{ref}/interim",
                               {"until": too_long, "reason": "Threats against the filer."})
    assert refused.status_code == 400 and "within 90 days" in refused.text
    proposed = await staff_post(client, chair, f"/staff/cases/{ref}/interim",
                                {"until": until, "reason": "Threats against the filer."})
    assert proposed.status_code == 303, proposed.text[-1500:]
    # Proposed is not in effect; the chair cannot confirm their own proposal.
    assert (await badge_of(client, respondent))["status"] == "active"
    with pytest.raises(Forbidden, match="A second member"):
        await decisions.confirm_interim(ref, chair.id, actor=staff_actor(chair.id),
                                        settings=synced)
    assert (await badge_of(client, respondent))["status"] == "active"
    confirmed = await staff_post(client, member, f"/staff/cases/{ref}/interim/confirm")
    assert confirmed.status_code == 303, confirmed.text[-1500:]
    assert (await badge_of(client, respondent))["status"] == "suspended"
    # The final decision replaces the measure: not upheld lifts the suspension.
    await fall_due(ref, "case:answer")
    await staff_post(client, member, f"/staff/cases/{ref}/draft", {
        "outcome": "not_upheld", "reasoning": "The publication was made with consent.",
        "public_summary": "No breach of the Principles was found."})
    await staff_post(client, member, f"/staff/cases/{ref}/share")
    await fall_due(ref, "case:comments")
    for voter in (chair, member):
        await staff_post(client, voter, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    assert await stage(ref) == "publication"
    assert (await badge_of(client, respondent))["status"] == "active"


async def test_case_deadlines_pause_with_a_persecuted_respondent_and_move_by_the_pause(
        client, synced):
    respondent, filed, _chair, _ = await _admitted(client, synced)
    subject = stages.subject_of(filed.reference)
    before = (await deadlines.open_for(subject))["case:answer"]
    await lifecycle.mark_persecuted(respondent, True, actor=SYSTEM, settings=synced)
    paused = (await deadlines.open_for(subject))["case:answer"]
    assert paused.paused_since is not None
    # Past its date, a paused deadline does nothing.
    await Deadline.update({Deadline.due_at: datetime.now(UTC) - timedelta(days=1)}).where(
        Deadline._meta.primary_key == paused.id)
    await deadlines.run_due(datetime.now(UTC))
    assert await stage(filed.reference) == "answer"
    # The filer is never told of a pause: it would say that a party is persecuted.
    page = await follow_up(client, filed.reference, filed.receipt_code)
    assert page.status_code == 200 and "paused" not in page.text.lower()
    # Lifted: the deadline moves on by the pause it saw, and runs again.
    await Deadline.update({Deadline.due_at: before.due_at}).where(
        Deadline._meta.primary_key == paused.id)
    await lifecycle.mark_persecuted(respondent, False, actor=SYSTEM, settings=synced)
    resumed = (await deadlines.open_for(subject))["case:answer"]
    assert resumed.paused_since is None and resumed.due_at > before.due_at

    # The filer's own mark pauses them too, and only for its case.
    member = (await panel.seats(await stages.find(filed.reference)))[1]
    await decisions.mark_filer_persecuted(filed.reference, member.staff_id, True,
                                          actor=staff_actor(member.staff_id))
    assert (await deadlines.open_for(subject))["case:answer"].paused_since is not None
    assert not await AuditEvent.exists().where(
        AuditEvent.tag == "case:filer_persecution:marked")  # sealed, even its tag


async def test_staff_are_reminded_before_their_deadline_in_fixed_words(client, synced):
    _respondent, filed, chair, (member, _other) = await _admitted(client, synced)
    await fall_due(filed.reference, "case:answer")
    assert await stage(filed.reference) == "review"
    subject = stages.subject_of(filed.reference)
    reminder = (await deadlines.open_for(subject))[stages.REMINDER]
    review = (await deadlines.open_for(subject))["case:review"]
    assert reminder.stated_at == review.due_at and reminder.due_at < review.due_at
    await fall_due(filed.reference, stages.REMINDER)
    built = [build_message(row, sender="r@example.org")
             for row in await OutboxMessage.select().order_by(OutboxMessage.id)]
    sent = [m for m in built if "draft decision due on" in m["Subject"]]
    assert len(sent) == 3  # the chair and the two members who sit
    assert all(ACCOUNT[:30] not in text(m) and f"/staff/cases/{filed.reference}" in text(m)
               for m in sent)
    # A member who reads Belarusian reads what is due in Belarusian, inside its sentence.
    speaker = await staff_session(synced, "panel_member", language="be")
    await staff_post(client, chair, f"/staff/cases/{filed.reference}/assign",
                     {"staff": str(speaker.id)})
    await stages.schedule(await stages.find(filed.reference), stages.REMINDER,
                          datetime.now(UTC) + timedelta(hours=1), now=datetime.now(UTC),
                          stated_at=review.due_at)
    await fall_due(filed.reference, stages.REMINDER)
    be = translations("be").gettext
    latest = [build_message(row, sender="r@example.org")
              for row in await OutboxMessage.select().order_by(OutboxMessage.id)][-4:]
    [belarusian] = [m for m in latest if m["Content-Language"] == "be"]
    assert be("draft decision") != "draft decision"
    assert be("draft decision") in belarusian["Subject"]
    assert "draft decision" not in text(belarusian)
    # Overdue: the dashboard says so, first.
    await fall_due(filed.reference, "case:review")
    board = await staff_get(client, member, "/staff/cases")
    assert "overdue" in board.text


async def test_evidence_opens_only_as_a_sandboxed_download_for_confirmed_members(
        client, synced):
    respondent = await accepted(client, synced)
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    page = await client.get("/complaints/new")
    filed = await client.post("/complaints/new", data={
        "_csrf_token": csrf_token(page.text), "kind": "complaint", "respondent": respondent,
        "principles": ["11"], "account": ACCOUNT, "identity": "anonymous"},
        files=[("evidence", ("photo.png", image.getvalue(), "image/png"))])
    reference = re.findall(r'<code class="receipt-code">([^<]+)</code>', filed.text)[0]
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    outsider = await staff_session(synced, "panel_member")
    await staff_post(client, chair, f"/staff/cases/{reference}/assign", {"staff": str(member.id)})
    opened_file = await staff_get(client, member, f"/staff/cases/{reference}/file")
    assert opened_file.status_code == 403  # not confirmed yet
    await staff_post(client, member, f"/staff/cases/{reference}/confirm")
    file_page = await staff_get(client, member, f"/staff/cases/{reference}/file")
    [path] = re.findall(rf'href="(/staff/cases/{reference}/attachments/\d+)"', file_page.text)
    assert (await staff_get(client, outsider, path)).status_code == 403
    download = await staff_get(client, member, path)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-disposition"].endswith('.png"')
    assert "sandbox" in download.headers["content-security-policy"]
    assert download.headers["content-type"].startswith("image/png")
    assert Image.open(io.BytesIO(download.content)).size == (8, 8)
    tags = [row["tag"] for row in await AuditEvent.select(AuditEvent.tag).where(
        AuditEvent.subject == f"case:{reference}")]
    assert "case:attachment:opened" in tags and "case:file:refused" in tags
    # The public never reaches it.
    client.cookies.clear()
    assert (await client.get(path, follow_redirects=False)).status_code == 303


async def test_what_may_be_done_once_is_refused_the_second_time(client, synced):
    _respondent, filed, chair, (member, other) = await _admitted(client, synced)
    ref = filed.reference
    await fall_due(ref, "case:answer")
    await staff_post(client, member, f"/staff/cases/{ref}/draft", {
        "outcome": "public_reprimand", "principles_breached": ["11"],
        "reasoning": "The names were published without consent.",
        "public_summary": "Personal data of volunteers were published.",
        "names_respondent": "on"})
    await staff_post(client, member, f"/staff/cases/{ref}/share")
    await fall_due(ref, "case:comments")
    assert (await staff_post(client, member, f"/staff/cases/{ref}/vote",
                             {"in_favour": "yes"})).status_code == 303
    again = await staff_post(client, member, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    assert again.status_code == 409 and "already voted" in again.text
    await staff_post(client, other, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    assert await stage(ref) == "publication"
    assert (await staff_post(client, chair, f"/staff/cases/{ref}/publish",
                             {"defer": "no"})).status_code == 303
    twice = await staff_post(client, chair, f"/staff/cases/{ref}/publish", {"defer": "no"})
    assert twice.status_code == 409 and "no decision waiting" in twice.text
    # The appeal window closes; an appeal after it is refused, and changes nothing.
    await fall_due(ref, "case:appeal_window")
    assert await stage(ref) == "closed"
    with pytest.raises(Conflict):
        await services.filer_appeals(ref, filed.receipt_code,
                                     "The reprimand is far too mild for what happened.",
                                     settings=synced)
    assert await stage(ref) == "closed"


async def _to_vote(client, synced, respondent: str, *, outcome: str = "suspension",
                   until_days: int = 60, panel_size: int = 3):
    """A case against `respondent` with its draft shared and the comments over."""
    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[11], account=ACCOUNT,
        anonymous=True), language="en", settings=synced)
    chair = await staff_session(synced, "panel_chair")
    members = [await staff_session(synced, "panel_member") for _ in range(panel_size)]
    await decisions.acknowledge(filed.reference, actor=SYSTEM, settings=synced)
    await seat(client, chair, filed.reference, *members)
    ref = filed.reference
    await staff_post(client, members[0], f"/staff/cases/{ref}/admissibility",
                     {"admissible": "yes"})
    await fall_due(ref, "case:answer")
    values = {"outcome": outcome, "principles_breached": ["11"] if outcome != "not_upheld"
              else [], "reasoning": "The names were published without consent.",
              "public_summary": "Personal data of volunteers were published."}
    if outcome == "suspension":
        values["suspension_until"] = (date.today() + timedelta(days=until_days)).isoformat()
    saved = await staff_post(client, members[0], f"/staff/cases/{ref}/draft", values)
    assert saved.status_code == 303, saved.text[-1500:]
    return ref, chair, members


async def test_a_panel_of_one_decides_nothing(client, synced):
    respondent = await accepted(client, synced)
    ref, _chair, [alone] = await _to_vote(client, synced, respondent, panel_size=1)
    shared = await staff_post(client, alone, f"/staff/cases/{ref}/share")
    assert shared.status_code == 409 and "Fewer than 3 members" in shared.text
    assert await stage(ref) == "review"
    assert (await badge_of(client, respondent))["status"] == "active"


async def test_one_case_never_lifts_another_cases_suspension(client, synced):
    respondent = await accepted(client, synced)
    long_ref, _, long_panel = await _to_vote(client, synced, respondent, until_days=300)
    short_ref, _, short_panel = await _to_vote(client, synced, respondent,
                                               outcome="not_upheld")
    for ref, panel_ in ((long_ref, long_panel), (short_ref, short_panel)):
        await staff_post(client, panel_[0], f"/staff/cases/{ref}/share")
        await fall_due(ref, "case:comments")
    for member in long_panel[:2]:
        await staff_post(client, member, f"/staff/cases/{long_ref}/vote", {"in_favour": "yes"})
    assert await stage(long_ref) == "publication"
    suspended = await badge_of(client, respondent)
    assert suspended["status"] == "suspended"
    # The other case is not upheld: the first case's suspension stands, to its day.
    for member in short_panel[:2]:
        await staff_post(client, member, f"/staff/cases/{short_ref}/vote", {"in_favour": "yes"})
    assert await stage(short_ref) == "publication"
    assert (await badge_of(client, respondent))["status"] == "suspended"
    due = (await deadlines.open_for(f"signatory:{respondent}"))["accession:suspension_end"]
    assert due.due_at.date() == date.today() + timedelta(days=300)
    # Nor can one member end it from the signatory's staff page.
    with pytest.raises(Conflict, match="imposed in a case"):
        await lifecycle.reinstate(respondent, decision="P-1", actor=SYSTEM, settings=synced)


async def test_a_recusal_recounts_and_refused_acts_are_audited(client, synced):
    respondent = await accepted(client, synced)
    ref, _chair, (first, second, third) = await _to_vote(client, synced, respondent,
                                                         outcome="public_reprimand")
    await staff_post(client, first, f"/staff/cases/{ref}/share")
    await fall_due(ref, "case:comments")
    await staff_post(client, first, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    await staff_post(client, second, f"/staff/cases/{ref}/vote", {"in_favour": "no"})
    assert await stage(ref) == "deliberation"  # 1 for, 1 against, of 3
    # An outsider's vote is refused, and the refusal stays in the audit trail.
    outsider = await staff_session(synced, "panel_member")
    assert (await staff_post(client, outsider, f"/staff/cases/{ref}/vote",
                             {"in_favour": "yes"})).status_code == 403
    refused = await AuditEvent.select().output(load_json=True).where(
        (AuditEvent.subject == f"case:{ref}") & (AuditEvent.tag == "case:file:refused"))
    assert [event["details"]["what"] for event in refused] == ["vote"]
    # The third recuses: two confirmed members are below the quorum, so nothing is decided
    # until the chair assigns a replacement, whose vote then decides.
    await staff_post(client, third, f"/staff/cases/{ref}/recuse",
                     {"reason": "I worked with the respondent last year."})
    assert await stage(ref) == "deliberation"
    replacement = await staff_session(synced, "panel_member")
    await seat(client, _chair, ref, replacement)
    await staff_post(client, replacement, f"/staff/cases/{ref}/vote", {"in_favour": "no"})
    assert await stage(ref) == "review"  # 1 for, 2 against of 3: drafted again


async def test_a_revocation_suspends_at_once_and_revokes_when_the_window_closes(client, synced):
    respondent = await accepted(client, synced)
    ref, _chair, members = await _to_vote(client, synced, respondent, outcome="revocation")
    await staff_post(client, members[0], f"/staff/cases/{ref}/share")
    await fall_due(ref, "case:comments")
    for member in members[:2]:
        await staff_post(client, member, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    # Suspended at once, with no end; revoked only when no appeal can change it.
    badge = await badge_of(client, respondent)
    assert badge["status"] == "suspended"
    await decisions.publish(ref, defer=False, actor=SYSTEM, settings=synced)
    assert (await badge_of(client, respondent))["status"] == "suspended"
    await fall_due(ref, "case:appeal_window")
    assert await stage(ref) == "closed"
    assert (await badge_of(client, respondent))["status"] == "revoked"


async def test_a_pause_shows_to_the_parties_as_time_that_runs_on(client, synced):
    respondent, filed, _chair, _ = await _admitted(client, synced)
    subject = stages.subject_of(filed.reference)
    await lifecycle.mark_persecuted(respondent, True, actor=SYSTEM, settings=synced)
    answer = (await deadlines.open_for(subject))["case:answer"]
    # As if paused ten days ago: the filer is told a date ten days later, never a past one.
    await Deadline.update({Deadline.paused: seal_moment(
        Deadline.paused, datetime.now(UTC) - timedelta(days=10))}).where(
        Deadline._meta.primary_key == answer.id)
    view = await services.follow_up(filed.reference, filed.receipt_code, settings=synced)
    assert view.due is not None
    assert abs((view.due - (answer.due_at + timedelta(days=10))).total_seconds()) < 60


async def test_a_suspension_from_outside_the_cases_comes_back_when_they_let_go(
        client, synced):
    respondent = await accepted(client, synced)
    outside = datetime.now(UTC).replace(microsecond=0) + timedelta(days=100)
    await lifecycle.suspend(respondent, until=outside, decision="P-1", actor=SYSTEM,
                            settings=synced)
    ref, _chair, members = await _to_vote(client, synced, respondent, until_days=300)
    await staff_post(client, members[0], f"/staff/cases/{ref}/share")
    await fall_due(ref, "case:comments")
    for member in members[:2]:
        await staff_post(client, member, f"/staff/cases/{ref}/vote", {"in_favour": "yes"})
    until = (await deadlines.open_for(f"signatory:{respondent}"))["accession:suspension_end"]
    assert until.due_at.date() == date.today() + timedelta(days=300)
    case = await stages.find(ref)
    from registry.cases import sanctions
    from registry.cases.tables import Outcome

    async with db.write_transaction():
        await sanctions.apply_decision(await stages.locked(ref), Outcome.not_upheld, None,
                                       final=True, actor=SYSTEM, settings=synced)
    assert case.effects
    until = (await deadlines.open_for(f"signatory:{respondent}"))["accession:suspension_end"]
    assert until.due_at == outside
    assert (await badge_of(client, respondent))["status"] == "suspended"


async def test_an_inadmissible_case_ends_its_interim_measure(client, synced):
    respondent = await accepted(client, synced)
    filed = await services.file(ComplaintForm(
        kind="complaint", respondent=respondent, principles=[11], account=ACCOUNT,
        anonymous=True), language="en", settings=synced)
    ref = filed.reference
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    await decisions.acknowledge(ref, actor=SYSTEM, settings=synced)
    await seat(client, chair, ref, chair, member)
    await decisions.propose_interim(ref, chair.id, until=date.today() + timedelta(days=20),
                                    reason="Threats against the filer continue.",
                                    actor=staff_actor(chair.id), settings=synced)
    await decisions.confirm_interim(ref, member.id, actor=staff_actor(member.id),
                                    settings=synced)
    assert (await badge_of(client, respondent))["status"] == "suspended"
    # Held by a case: no click brings it back, nor a member on the signatory page.
    with pytest.raises(Conflict, match="imposed in a case"):
        await lifecycle.reinstate(respondent, decision="P-2", actor=SYSTEM, settings=synced)
    await decisions.decide_admissibility(ref, member.id, admissible=False,
                                         reason="manifestly_unfounded",
                                         actor=staff_actor(member.id), settings=synced)
    assert (await badge_of(client, respondent))["status"] == "active"
