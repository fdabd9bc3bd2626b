"""Life after acceptance: re-affirmation, withdrawal and its cooling-off, a new version
superseding the old, decisions of the ethics panel, the persecuted mark, and questions
to applicants. Time is moved by running the daily pass with a later `now`."""

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from joserfc import jws as independent_jws
from joserfc.jwk import KeySet

from registry import db
from registry.accessions import lifecycle, review, supersession
from registry.accessions.holders import LAPSE, REMINDER, SUPERSESSION, WITHDRAWAL, subject_of
from registry.accessions.services import TRANSITIONS, TransitionRefused
from registry.accessions.tables import Accession, AccessionStatus
from registry.audit.services import SYSTEM
from registry.deadlines import services as deadlines
from registry.mail.services import build_message
from registry.mail.tables import OutboxMessage
from registry.refusals import Conflict, Invalid
from tests.accessions.test_review import applied
from tests.accessions.test_submission import FORM
from tests.factories import (
    backdate_mark,
    close_deadline,
    move_deadline,
    run_deadlines,
    signatory_row,
)
from tests.staff.helpers import (
    csrf_token,
    events_after,
    last_event_id,
    login_over_http,
    make_member,
)

DAY = timedelta(days=1)


def long_day(moment: datetime) -> str:
    return format_date(moment.date(), format="long", locale="en_GB")


async def accepted(client, settings, **changes) -> str:
    """A signatory in the register; returns its public id."""
    accession = await applied(client, **changes)
    return await review.approve(accession, actor=SYSTEM, settings=settings)


async def mails(to: str = FORM["contact_email"]) -> list:
    """Every message queued for an address, oldest first (decrypted, as it will be sent)."""
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    built = [build_message(row, sender="registry@example.org") for row in rows]
    return [message for message in built if message["To"] == to]


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


async def last_link(kind: str, to: str = FORM["contact_email"]) -> str:
    """The path of the newest mailed link of a kind (reaffirm, withdraw, ...)."""
    for message in reversed(await mails(to)):
        if found := re.search(rf"https?://[^/\s]+(/accede/{kind}/\S+)", text(message)):
            return found[1]
    raise AssertionError(f"no {kind} link was mailed to {to}")


async def press(client, path: str, **fields: str):
    """Open a page behind a mailed link and press its button, as a person would."""
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"_csrf_token": csrf_token(page.text), **fields})


async def public_status(client, public_id: str) -> dict:
    response = await client.get(f"/api/v1/signatories/{public_id}")
    assert response.status_code == 200, response.text
    return response.json()


# --- Re-affirmation ---------------------------------------------------------------------

async def test_reminder_a_month_before_then_one_click_gives_another_year(client, synced):
    signatory = await accepted(client, synced)
    due = (await signatory_row(signatory))["reaffirm_due"]
    assert due.date() == (datetime.now(UTC) + timedelta(days=365)).date()

    # Not yet: more than a month before.
    report = await run_deadlines(synced, now=due - timedelta(days=31))
    assert report.reminded == 0
    report = await run_deadlines(synced, now=due - timedelta(days=29))
    assert report.reminded == 1
    assert (await run_deadlines(synced, now=due - timedelta(days=28))).reminded == 0
    reminder = (await mails())[-1]
    assert "re-affirm" in reminder["Subject"].lower()
    # The day as an English reader writes it (British English: day, month, year), not ISO.
    assert f"due for re-affirmation on {long_day(due)}" in text(reminder)
    assert due.date().isoformat() not in text(reminder)

    before = await last_event_id()
    pressed = await press(client, await last_link("reaffirm"))
    assert pressed.status_code == 200 and "re-affirmed" in pressed.text
    row = await signatory_row(signatory)
    assert row["reaffirm_due"] == due + timedelta(days=365)  # the year runs on from the old date
    assert row["reminded_at"] is None and row["status"] == "active"
    assert [e["tag"] for e in await events_after(before)] == [
        "accession:reaffirmation:recorded"]
    history = (await public_status(client, signatory))["history"]
    assert [h["event"] for h in history] == ["accepted", "reaffirmed"]
    assert "next re-affirmation is due" in text((await mails())[-1])

    # The link is used once; the year that was due does not lapse.
    again = await press(client, await last_link("reaffirm"))
    assert again.status_code == 410
    assert (await run_deadlines(synced, now=due + timedelta(days=60))).lapsed == 0


async def test_not_reaffirmed_lapses_after_the_grace_period_and_can_come_back(client, synced):
    signatory = await accepted(client, synced)
    due = (await signatory_row(signatory))["reaffirm_due"]
    grace = timedelta(days=synced.reaffirm_grace_days)
    assert (await run_deadlines(synced, now=due + grace - DAY)).lapsed == 0
    assert (await signatory_row(signatory))["status"] == "active"
    report = await run_deadlines(synced, now=due + grace + DAY)
    assert report.lapsed == 1
    assert (await public_status(client, signatory))["status"] == "lapsed"
    lapsed_mail = (await mails())[-1]
    assert "has lapsed" in text(lapsed_mail)
    page = await client.get(f"/register/{signatory}")
    assert "lapsed" in page.text

    pressed = await press(client, await last_link("reaffirm"))
    assert pressed.status_code == 200
    row = await signatory_row(signatory)
    assert row["status"] == "active"
    # After a lapse the new year starts today.
    assert row["reaffirm_due"].date() == (datetime.now(UTC) + timedelta(days=365)).date()
    accession = await Accession.select().where(Accession.signatory == row["id"]).first()
    assert accession["status"] == "active"  # the accession moves with its signatory


# --- Withdrawal -------------------------------------------------------------------------

async def test_withdrawal_waits_out_the_cooling_off_and_can_be_cancelled(client, synced):
    signatory = await accepted(client, synced)
    count = len(await mails())
    # Asking says the same for an address that acceded and one that did not.
    page = await client.get("/accede/withdraw")
    unknown = await client.post("/accede/withdraw", data={
        "_csrf_token": csrf_token(page.text), "contact_email": "nobody@example.org"})
    known = await client.post("/accede/withdraw", data={
        "_csrf_token": csrf_token(page.text), "contact_email": FORM["contact_email"]})
    assert unknown.status_code == known.status_code == 200
    assert _answer(unknown.text) == _answer(known.text)
    assert len(await mails()) == count + 1 and not await mails("nobody@example.org")
    # Asking again at once sends nothing more.
    await client.post("/api/v1/accessions/withdrawal",
                      json={"contact_email": FORM["contact_email"]})
    assert len(await mails()) == count + 1

    withdraw_path = await last_link("withdraw")
    looked = await client.get(withdraw_path)
    assert (await signatory_row(signatory))["withdrawal_effective_at"] is None  # opening: nothing
    pressed = await client.post(withdraw_path, data={"_csrf_token": csrf_token(looked.text)})
    assert pressed.status_code == 200
    row = await signatory_row(signatory)
    effective = row["withdrawal_effective_at"]
    assert effective.date() == (datetime.now(UTC) + timedelta(days=14)).date()
    shown = await public_status(client, signatory)
    assert shown["status"] == "active" and shown["withdrawal_pending"] is True
    assert "withdrawal pending" in (await client.get(f"/register/{signatory}")).text
    assert "withdrawal pending" in (await client.get("/register")).text
    pending_mail = (await mails())[-1]
    assert long_day(effective) in pending_mail["Subject"]

    # Before the date nothing happens; the signatory cancels.
    assert (await run_deadlines(synced, now=effective - DAY)).withdrawn == 0
    cancelled = await press(client, await last_link("cancel-withdrawal"))
    assert cancelled.status_code == 200
    assert (await signatory_row(signatory))["withdrawal_effective_at"] is None
    assert (await public_status(client, signatory))["withdrawal_pending"] is False
    assert (await run_deadlines(synced, now=effective + DAY)).withdrawn == 0
    assert (await signatory_row(signatory))["status"] == "active"
    history = [h["event"] for h in (await public_status(client, signatory))["history"]]
    assert history == ["accepted", "withdrawal_requested", "withdrawal_cancelled"]


def _answer(page: str) -> str:
    return re.search(r'<p role="status">(.*?)</p>', page, re.S)[1]


async def test_withdrawal_takes_effect_after_the_cooling_off(client, synced):
    signatory = await accepted(client, synced)
    await client.post("/api/v1/accessions/withdrawal",
                      json={"contact_email": FORM["contact_email"]})
    token = (await last_link("withdraw")).rsplit("/", 1)[1]
    state = await client.post("/api/v1/accessions/withdraw", json={"token": token})
    assert state.status_code == 200, state.text
    effective = datetime.fromisoformat(state.json()["withdrawal_effective_at"])
    replay = await client.post("/api/v1/accessions/withdraw", json={"token": token})
    assert replay.status_code == 410 and "already used" in replay.json()["detail"]

    report = await run_deadlines(
        synced, now=datetime.combine(effective, datetime.min.time(), tzinfo=UTC) + DAY)
    assert report.withdrawn == 1
    shown = await public_status(client, signatory)
    assert shown["status"] == "withdrawn" and shown["withdrawal_pending"] is False
    assert "is withdrawn" in text((await mails())[-1])
    # Withdrawn is final: the cancel link no longer works, re-affirming neither.
    cancel = await client.post("/api/v1/accessions/cancel-withdrawal", json={
        "token": (await last_link("cancel-withdrawal")).rsplit("/", 1)[1]})
    assert cancel.status_code == 409


# --- The persecuted mark -----------------------------------------------------------------

async def test_persecuted_pauses_deadlines_and_holds_a_withdrawal_for_the_panel(
        client, synced, run_cli):
    signatory = await accepted(client, synced)
    secretariat = await make_member(synced, "secretariat")
    await login_over_http(client, secretariat)
    page = await client.get(f"/staff/signatories/{signatory}")
    assert page.status_code == 200 and "Mark as persecuted" in page.text
    marked = await client.post(f"/staff/signatories/{signatory}/persecuted", data={
        "_csrf_token": csrf_token(page.text), "persecuted": "yes"}, follow_redirects=False)
    assert marked.status_code == 303
    row = await signatory_row(signatory)
    assert row["persecuted_since"] is not None
    # The mark is nowhere in public, nor in any mail.
    for public in (f"/register/{signatory}", f"/api/v1/signatories/{signatory}", "/register"):
        assert "persecut" not in (await client.get(public)).text.lower()

    # No reminder, no lapse, even long after the year.
    due = row["reaffirm_due"]
    report = await run_deadlines(synced, now=due + timedelta(days=400))
    assert report.reminded == report.lapsed == 0
    assert (await signatory_row(signatory))["status"] == "active"

    # A withdrawal (perhaps coerced) is held after its cooling-off.
    await client.post("/api/v1/accessions/withdrawal",
                      json={"contact_email": FORM["contact_email"]})
    await client.post("/api/v1/accessions/withdraw", json={
        "token": (await last_link("withdraw")).rsplit("/", 1)[1]})
    later = datetime.now(UTC) + timedelta(days=30)
    assert (await run_deadlines(synced, now=later)).withdrawn == 0
    assert (await signatory_row(signatory))["status"] == "active"
    assert all("persecut" not in text(m).lower() for m in await mails())

    # The secretariat cannot decide it; the panel can (from the command line here).
    refused = await client.post(f"/staff/signatories/{signatory}/complete-withdrawal", data={
        "_csrf_token": csrf_token(page.text), "decision": "Panel 2026/7"})
    assert refused.status_code == 403
    # The cooling-off (14 days) is not over yet in real time: the panel is told so.
    early = run_cli("accessions", "complete-withdrawal", signatory, "--decision", "P-2026/7")
    assert early.code != 0 and "cooling-off period is not over" in early.output
    await move_deadline(signatory, WITHDRAWAL, due_at=datetime.now(UTC) - DAY,
                        paused_since=(await signatory_row(signatory))["persecuted_since"])
    before = await last_event_id()
    done = run_cli("accessions", "complete-withdrawal", signatory, "--decision", "P-2026/7")
    assert done.code == 0, done.output
    assert (await signatory_row(signatory))["status"] == "withdrawn"
    [event] = await events_after(before, tag="accession:status:withdrawn")
    assert event["details"]["decision"] == "P-2026/7"


async def test_lifting_the_mark_moves_paused_deadlines_on(client, synced):
    signatory = await accepted(client, synced)
    await lifecycle.mark_persecuted(signatory, True, actor=SYSTEM, settings=synced)
    now = datetime.now(UTC)
    # As if accepted 200 days ago and marked 100 days ago, reminded of this year already;
    # a withdrawal confirmed 10 days ago, during the mark.
    await backdate_mark(signatory, now - timedelta(days=100))
    year_ends = now + timedelta(days=165)
    await move_deadline(signatory, LAPSE, due_at=year_ends + timedelta(days=30),
                        stated_at=year_ends, paused_since=now - timedelta(days=100))
    await move_deadline(signatory, REMINDER, due_at=year_ends - timedelta(days=30),
                        stated_at=year_ends, paused_since=now - timedelta(days=100))
    await close_deadline(signatory, REMINDER, at=now)
    assert (await signatory_row(signatory))["reminded_at"] is not None
    async with db.write_transaction():
        await deadlines.schedule(subject_of(signatory), WITHDRAWAL, now + timedelta(days=4),
                                 now=now - timedelta(days=10),
                                 paused_since=now - timedelta(days=10))
    await lifecycle.mark_persecuted(signatory, False, actor=SYSTEM, settings=synced)
    row = await signatory_row(signatory)
    assert row["persecuted_since"] is None and row["reminded_at"] is None
    # The year had 265 days left when marked: it has them again.
    assert abs(row["reaffirm_due"] - (now + timedelta(days=265))) < timedelta(minutes=1)
    # The cooling-off ran 0 days before the mark: all 14 are left.
    assert abs(row["withdrawal_effective_at"] - (now + timedelta(days=14))) < timedelta(
        minutes=1)


# --- A new version comes into force ---------------------------------------------------

def add_version(principles: Path, version: str = "1.1") -> None:
    new = principles / version
    shutil.copytree(principles / "1.0", new)
    (new / "version.toml").write_text(f'version = "{version}"\nstatus = "in_force"\n'
                                      'text_of_record = "en"\n')
    text = (new / "en.toml").read_text()
    (new / "en.toml").write_text(text.replace('title = "Non-violence"',
                                              'title = "Non-violence and peace"'))
    old = (principles / "1.0" / "version.toml").read_text()
    (principles / "1.0" / "version.toml").write_text(
        old.replace('status = "in_force"', 'status = "superseded"'))


async def supersede_in_background(settings) -> int:
    """What the scheduler's job does after a sync brought a new version into force: every
    batch until none is left. Returns how many signatories it reached."""
    reached = 0
    while done := len((await lifecycle.supersede_batch(settings)).done):
        reached += done
    return reached


async def test_a_new_version_supersedes_and_invites_to_accede_again(
        client, synced, run_cli, principles_copy):
    renewing = await accepted(client, synced)
    staying = await accepted(client, synced, public_name="Human Constanta",
                             legal_name="Human Constanta", contact_email="hc@example.org")
    add_version(principles_copy)
    synced_out = run_cli("principles", "sync", principles_dir=principles_copy)
    assert synced_out.code == 0, synced_out.output
    assert "1.1: 2 accession(s) to older versions superseded (in the background)" in (
        synced_out.out)
    # The sync superseded nobody itself; the register shows them superseded already.
    assert (await signatory_row(renewing))["status"] == "active"
    assert (await public_status(client, renewing))["status"] == "superseded"
    assert await supersede_in_background(synced) == 2
    since = (await supersession.in_force()).since
    for signatory in (renewing, staying):
        row = await signatory_row(signatory)
        assert row["status"] == "superseded"
        assert row["grace_until"] == since + timedelta(days=180)
    invitation = (await mails())[-1]
    assert "Version 1.1 of the Principles came into force" in text(invitation)

    renew_path = await last_link("renew")
    form = await client.get(renew_path)
    assert form.status_code == 200 and "Accede to version 1.1" in form.text
    assert FORM["representative_name"] in form.text  # what carries over is filled in
    bad = await client.post(renew_path, data={
        "_csrf_token": csrf_token(form.text), "representative_name": "Alena Test",
        "representative_role": "Chair", "head_in_party_body": "no",
        "signature_name": "Someone Else", "consent": "on"})
    assert bad.status_code == 400 and "exactly as above" in bad.text, bad.text[-3000:]
    assert (await signatory_row(renewing))["status"] == "superseded"  # nothing half-written
    done = await client.post(renew_path, data={
        "_csrf_token": csrf_token(form.text), "representative_name": "Alena Test",
        "representative_role": "Chair", "head_in_party_body": "no",
        "other_interests": "Member of a coalition", "signature_name": "alena test",
        "consent": "on"})
    assert done.status_code == 200, done.text
    shown = await public_status(client, renewing)
    assert shown["status"] == "active" and shown["version"] == "1.1"
    assert shown["declarations"]["other_interests"] == "Member of a coalition"
    assert [h["event"] for h in shown["history"]] == ["accepted", "superseded", "reacceded"]
    assert (await client.post(renew_path, data={
        "_csrf_token": csrf_token(form.text)})).status_code in (400, 409, 410)

    # The new receipt names version 1.1 and verifies with the published keys alone.
    receipt_path = re.search(r'href="(/accede/receipt/[^"]+)"', done.text)[1]
    receipt = (await client.get(receipt_path)).text
    keys = KeySet.import_key_set((await client.get("/.well-known/jwks.json")).json())
    payload = independent_jws.deserialize_compact(receipt, keys, algorithms=["ES256"]).payload
    assert b'"version":"1.1"' in payload

    # The other stays valid for the grace period, then lapses with an invitation.
    grace = (await signatory_row(staying))["grace_until"]
    assert (await run_deadlines(synced, now=grace - DAY)).lapsed == 0
    assert (await run_deadlines(synced, now=grace + DAY)).lapsed == 1
    assert (await public_status(client, staying))["status"] == "lapsed"
    assert "/accede/renew/" in text((await mails("hc@example.org"))[-1])
    assert (await signatory_row(renewing))["status"] == "active"  # untouched by the pass


# --- Decisions of the ethics panel -----------------------------------------------------

async def test_no_one_member_can_suspend_or_revoke(client, synced):
    """A suspension or a revocation comes only from a case (registry/cases): the staff
    page and the command line offer none, for any role."""
    signatory = await accepted(client, synced)
    member = await make_member(synced, "panel_member")
    await login_over_http(client, member)
    page = await client.get(f"/staff/signatories/{signatory}")
    assert "Decisions of the ethics panel" in page.text
    assert f"/staff/signatories/{signatory}/suspend" not in page.text
    assert f"/staff/signatories/{signatory}/revoke" not in page.text
    token = csrf_token(page.text)
    for action in ("suspend", "revoke"):
        tried = await client.post(f"/staff/signatories/{signatory}/{action}", data={
            "_csrf_token": token, "decision": "P-1", "until": "2099-01-01"})
        assert tried.status_code in (404, 405), action
    assert (await public_status(client, signatory))["status"] == "active"


async def test_suspension_reinstatement_and_revocation_as_the_cases_apply_them(
        client, synced):
    """The life cycle's side of a case's sanctions (registry/cases/decisions.py calls
    these): a suspension until a date ends by itself; revoked is final."""
    signatory = await accepted(client, synced)
    with pytest.raises(Invalid, match="end in the future"):
        await lifecycle.suspend(signatory, until=datetime(2020, 1, 1, tzinfo=UTC),
                                decision="case 2026-AAAAAA", actor=SYSTEM, settings=synced)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)
    await lifecycle.suspend(signatory, until=until, decision="case 2026-AAAAAA",
                            actor=SYSTEM, settings=synced)
    shown = await public_status(client, signatory)
    assert shown["status"] == "suspended" and shown["suspended_until"] == until.date().isoformat()
    assert f"suspended until {long_day(until)}" in text((await mails())[-1])
    # The register says until when, as the public fact does.
    assert f"suspended until {long_day(until)}" in (
        await client.get(f"/register/{signatory}")).text
    # A later decision replaces the suspension's end (one more fact, no status change).
    later = until + timedelta(days=30)
    await lifecycle.suspend(signatory, until=later, decision="case 2026-AAAAAA",
                            actor=SYSTEM, settings=synced)
    assert (await public_status(client, signatory))["suspended_until"] == (
        later.date().isoformat())

    # The suspension ends by itself on its date.
    report = await run_deadlines(synced, now=later + DAY)
    assert report.reinstated == 1
    assert (await public_status(client, signatory))["status"] == "active"

    # Suspended with no end while a revocation waits for its appeal window, then revoked.
    await lifecycle.suspend(signatory, until=None, decision="case 2026-BBBBBB", actor=SYSTEM,
                            settings=synced)
    assert (await public_status(client, signatory))["suspended_until"] is None
    assert "to be revoked" in text((await mails())[-1])
    await lifecycle.revoke(signatory, decision="case 2026-BBBBBB", actor=SYSTEM,
                           settings=synced)
    assert (await public_status(client, signatory))["status"] == "revoked"
    # Revoked is final: every later move is refused by the transition table.
    with pytest.raises(Conflict, match="revoked cannot become suspended"):
        await lifecycle.suspend(signatory, until=until, decision="case 2026-CCCCCC",
                                actor=SYSTEM, settings=synced)
    with pytest.raises(Conflict, match="Only a suspended accession"):
        await lifecycle.reinstate(signatory, decision="P-6", actor=SYSTEM, settings=synced)


def test_final_statuses_have_no_way_out():
    for final in ("rejected", "withdrawn", "revoked"):
        assert TRANSITIONS[AccessionStatus(final)] == frozenset()
    assert AccessionStatus.active not in TRANSITIONS[AccessionStatus.pending_confirmation]


# --- Asking the applicant for more information -----------------------------------------

async def test_the_secretariat_asks_and_the_applicant_answers_through_a_link(client, synced):
    accession = await applied(client)
    member = await make_member(synced, "secretariat")
    await login_over_http(client, member)
    detail = await client.get(f"/staff/accessions/{accession}")
    empty = await client.post(f"/staff/accessions/{accession}/ask", data={
        "_csrf_token": csrf_token(detail.text), "question": " "})
    assert empty.status_code == 400 and "5 to 4000 characters" in empty.text
    question = "Is <b>Viasna</b> a partner of yours? Ответьте, пожалуйста."
    asked = await client.post(f"/staff/accessions/{accession}/ask", data={
        "_csrf_token": csrf_token(detail.text), "question": question}, follow_redirects=False)
    assert asked.status_code == 303
    row = await Accession.select().where(Accession.public_id == accession).first()
    assert row["status"] == "information_requested"
    mailed = (await mails())[-1]
    assert question in text(mailed)
    assert "&lt;b&gt;Viasna&lt;/b&gt;" in mailed.get_body(("html",)).get_content()
    with pytest.raises(TransitionRefused, match="cannot become active"):
        await review.approve(accession, actor=SYSTEM, settings=synced)

    answer_path = await last_link("answer")
    page = await client.get(answer_path)
    assert "&lt;b&gt;Viasna&lt;/b&gt;" in page.text and "<b>Viasna" not in page.text
    answered = await client.post(answer_path, data={
        "_csrf_token": csrf_token(page.text), "answer": "No. Мы — независимая организация 🕊"})
    assert answered.status_code == 200
    row = await Accession.select().where(Accession.public_id == accession).first()
    assert row["status"] == "pending_review"
    detail = await client.get(f"/staff/accessions/{accession}")
    assert "Мы — независимая организация 🕊" in detail.text
    replay = await client.post(answer_path, data={
        "_csrf_token": csrf_token(page.text), "answer": "Again"})
    assert replay.status_code == 410
    # The exchange is stored encrypted.
    raw = await Accession.raw("SELECT body FROM accession_message")
    assert raw and all("независимая" not in r["body"] and "Viasna" not in r["body"]
                       for r in raw)


# --- Found in review: each of these once went wrong ------------------------------------

async def test_a_suspension_cannot_be_left_through_the_invitation_to_a_new_version(
        client, synced, principles_copy, run_cli):
    signatory = await accepted(client, synced)
    add_version(principles_copy)
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    await supersede_in_background(synced)
    renew_path = await last_link("renew")
    await lifecycle.suspend(signatory, until=datetime.now(UTC) + timedelta(days=90),
                            decision="P-7", actor=SYSTEM, settings=synced)
    form = await client.get(renew_path)
    refused = await client.post(renew_path, data={
        "_csrf_token": csrf_token(form.text), "representative_name": "Alena Test",
        "representative_role": "Chair", "head_in_party_body": "no",
        "signature_name": "Alena Test", "consent": "on"})
    assert refused.status_code == 409
    assert (await signatory_row(signatory))["status"] == "suspended"
    # Reinstated while a newer version is in force: superseded again, grace kept.
    grace = (await signatory_row(signatory))["grace_until"]
    await lifecycle.reinstate(signatory, decision="P-8", actor=SYSTEM, settings=synced)
    row = await signatory_row(signatory)
    assert row["status"] == "superseded" and row["grace_until"] == grace
    # Now the invitation works, and only the new accession is active.
    done = await client.post(renew_path, data={
        "_csrf_token": csrf_token(form.text), "representative_name": "Alena Test",
        "representative_role": "Chair", "head_in_party_body": "no",
        "signature_name": "Alena Test", "consent": "on"})
    assert done.status_code == 200, done.text
    statuses = sorted(r["status"] for r in await Accession.select(Accession.status).where(
        Accession.signatory == row["id"]))
    assert statuses == ["active", "superseded"]


async def test_a_lapsed_signatory_is_invited_to_a_new_version(client, synced, principles_copy,
                                                              run_cli):
    signatory = await accepted(client, synced)
    due = (await signatory_row(signatory))["reaffirm_due"]
    await run_deadlines(synced, now=due + timedelta(days=31))
    assert (await signatory_row(signatory))["status"] == "lapsed"
    add_version(principles_copy)
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    assert await supersede_in_background(synced) == 1
    assert (await signatory_row(signatory))["status"] == "lapsed"  # not superseded
    invitation = (await mails())[-1]
    assert "accede to version 1.1" in text(invitation)
    form = await client.get(await last_link("renew"))
    assert form.status_code == 200
    # A second pass does not invite again, nor does the job.
    count = len(await mails())
    await run_deadlines(synced)
    assert await supersede_in_background(synced) == 0
    assert len(await mails()) == count


async def test_two_reaffirm_links_give_one_year(client, synced):
    signatory = await accepted(client, synced)
    due = (await signatory_row(signatory))["reaffirm_due"]
    await run_deadlines(synced, now=due - timedelta(days=29))
    reminder = await last_link("reaffirm")
    await run_deadlines(synced, now=due + timedelta(days=31))  # lapses
    lapse_link = await last_link("reaffirm")
    assert lapse_link != reminder
    assert (await press(client, lapse_link)).status_code == 200
    assert (await press(client, reminder)).status_code == 410
    row = await signatory_row(signatory)
    assert row["reaffirm_due"] < datetime.now(UTC) + timedelta(days=366)


async def test_a_suspension_over_the_anniversary_leaves_a_month_to_reaffirm(client, synced):
    signatory = await accepted(client, synced)
    await lifecycle.suspend(signatory, until=datetime.now(UTC) + timedelta(days=500),
                            decision="P-11", actor=SYSTEM, settings=synced)
    ended = datetime.now(UTC) - timedelta(days=40)
    await move_deadline(signatory, LAPSE, due_at=ended + timedelta(days=30), stated_at=ended)
    await lifecycle.reinstate(signatory, decision="P-12", actor=SYSTEM, settings=synced)
    row = await signatory_row(signatory)
    assert row["status"] == "active" and row["reaffirm_due"] > datetime.now(UTC)
    report = await run_deadlines(synced)
    assert report.lapsed == 0 and report.reminded == 1


async def test_the_answer_page_refuses_in_words_when_text_and_link_are_both_bad(client, synced):
    page = await client.get("/accede/withdraw")
    response = await client.post("/accede/answer/not-a-real-token-at-all", data={
        "_csrf_token": csrf_token(page.text), "answer": "x"})
    assert response.status_code == 404 and "not valid" in response.text


async def test_control_characters_in_addresses_are_refused(client, synced):
    for path in ["/register/a%00b", "/badges/a%00b.svg", "/api/v1/badges/a%00b",
                 "/register?q=%00", "/api/v1/signatories?country=%00"]:
        response = await client.get(path)
        assert response.status_code == 400, path
        assert "control character" in response.text


async def test_a_persecuted_signatorys_supersession_grace_pauses_and_resumes(
        client, synced, principles_copy, run_cli):
    signatory = await accepted(client, synced)
    await lifecycle.mark_persecuted(signatory, True, actor=SYSTEM, settings=synced)
    add_version(principles_copy)
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    await supersede_in_background(synced)
    row = await signatory_row(signatory)
    assert row["status"] == "superseded"
    running = await deadlines.open_for(subject_of(signatory))
    assert set(running) == {SUPERSESSION} and running[SUPERSESSION].paused_since is not None
    # Long after the grace period: nothing happens while the mark holds.
    report = await run_deadlines(synced, now=row["grace_until"] + timedelta(days=400))
    assert report.lapsed == 0 and (await signatory_row(signatory))["status"] == "superseded"
    # Marked 100 days ago: lifting the mark gives the grace period those days back.
    now = datetime.now(UTC)
    await move_deadline(signatory, SUPERSESSION, due_at=now + timedelta(days=20),
                        paused_since=now - timedelta(days=100))
    await lifecycle.mark_persecuted(signatory, False, actor=SYSTEM, settings=synced)
    grace = (await signatory_row(signatory))["grace_until"]
    assert abs(grace - (now + timedelta(days=120))) < timedelta(minutes=1)
    assert (await run_deadlines(synced, now=grace - DAY)).lapsed == 0
    assert (await run_deadlines(synced, now=grace + DAY)).lapsed == 1


async def test_an_application_accepted_after_a_new_version_came_into_force_is_superseded(
        client, synced, principles_copy, run_cli):
    application = await applied(client)  # to version 1.0
    add_version(principles_copy)
    assert run_cli("principles", "sync", principles_dir=principles_copy).code == 0
    signatory = await review.approve(application, actor=SYSTEM, settings=synced)
    row = await signatory_row(signatory)
    assert row["status"] == "superseded" and row["version_id"] == "1.0"
    assert row["reaffirm_due"] is None and row["grace_until"] is not None
    assert "Version 1.1 of the Principles came into force" in text((await mails())[-1])
    assert (await client.get(await last_link("renew"))).status_code == 200
    history = [h["event"] for h in (await public_status(client, signatory))["history"]]
    assert history == ["accepted", "superseded"]
