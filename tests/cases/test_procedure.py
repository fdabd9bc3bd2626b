"""The Principle 15 procedure end to end over HTTP: filing, acknowledgement, the panel
(assignment, confirmation, recusal), admissibility, the respondent heard through one-time
links, the draft shared for comment, the vote, the countersigned decision and its
sanction on the badge, publication or a deferred hash, the appeal heard by another
panel, and a conflict the signatory declared itself."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime, timedelta

from registry.accessions.holders import SUSPENSION_END
from registry.audit.tables import AuditEvent
from registry.canonical import canonical_json
from registry.cases.tables import Case, CaseDecision, CaseMessage, CaseStep
from registry.facts.tables import PublicFact
from registry.keys import keyring, signing
from tests.accessions.test_lifecycle import accepted, mails, text
from tests.accessions.test_submission import FORM
from tests.badges.test_badges import badge_of, independent_bit, published_jwks, verdict
from tests.factories import (
    Staff,
    fall_due,
    move_deadline,
    run_deadlines,
    staff_get,
    staff_post,
    staff_session,
)
from tests.staff.helpers import csrf_token

ACCOUNT = ("On 3 May the organisation published the names and photographs of two "
           "volunteers without their consent.")
SUMMARY = "The organisation published volunteers' personal data without their consent."


def link_in(message) -> str:
    return re.search(r"/complaints/respond/(\S+)", text(message))[1]


async def respondent_links() -> list[str]:
    return [link_in(m) for m in await mails() if "/complaints/respond/" in text(m)]


async def file_by_page(client, respondent: str, **fields) -> tuple[str, str]:
    page = await client.get("/complaints/new")
    data = {"_csrf_token": csrf_token(page.text), "kind": "complaint",
            "respondent": respondent, "principles": ["11"], "account": ACCOUNT,
            "identity": "anonymous", **fields}
    filed = await client.post("/complaints/new", data=data, files=[])
    assert filed.status_code == 200, filed.text[-2000:]
    reference, code = re.findall(r'<code class="receipt-code">([^<]+)</code>', filed.text)
    return reference, code


async def follow_up(client, reference: str, code: str):
    page = await client.get("/complaints/follow-up")
    return await client.post("/complaints/follow-up", data={
        "_csrf_token": csrf_token(page.text), "reference": reference, "receipt_code": code})


async def stage(reference: str) -> str:
    return (await Case.select(Case.stage).where(Case.reference == reference).first())["stage"]


async def seat(client, chair: Staff, reference: str, *members: Staff) -> None:
    """The chair assigns each member, and each confirms having no conflict."""
    for member in members:
        assigned = await staff_post(client, chair, f"/staff/cases/{reference}/assign",
                                    {"staff": str(member.id)})
        assert assigned.status_code == 303, assigned.text[-1500:]
        confirmed = await staff_post(client, member, f"/staff/cases/{reference}/confirm")
        assert confirmed.status_code == 303, confirmed.text[-1500:]


async def draft_and_share(client, member: Staff, reference: str, **draft) -> None:
    values = {"outcome": "suspension", "principles_breached": ["11"],
              "reasoning": "The volunteers' names were published without consent; "
                           "Principle 11 protects personal data.",
              "public_summary": SUMMARY, "names_respondent": "on", **draft}
    saved = await staff_post(client, member, f"/staff/cases/{reference}/draft", values)
    assert saved.status_code == 303, saved.text[-2000:]
    shared = await staff_post(client, member, f"/staff/cases/{reference}/share")
    assert shared.status_code == 303, shared.text[-2000:]


async def vote(client, member: Staff, reference: str, in_favour: bool = True, dissent=""):
    return await staff_post(client, member, f"/staff/cases/{reference}/vote",
                            {"in_favour": "yes" if in_favour else "no", "dissent": dissent})


async def events(reference: str, tag: str) -> list[dict]:
    return await AuditEvent.select().output(load_json=True).where(
        (AuditEvent.subject == f"case:{reference}") & (AuditEvent.tag == tag))


async def test_an_anonymous_complaint_found_inadmissible_and_followed_up(client, synced):
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    reference, code = await file_by_page(client, respondent)

    dashboard = await staff_get(client, secretariat, "/staff/cases")
    assert reference in dashboard.text and "acknowledgement" in dashboard.text
    # The secretariat acknowledges without reading the file: it never opens to them.
    assert (await staff_post(client, secretariat,
                             f"/staff/cases/{reference}/acknowledge")).status_code == 303
    assert (await staff_get(client, secretariat, f"/staff/cases/{reference}/file")
            ).status_code == 403
    assert await stage(reference) == "admissibility"

    await seat(client, chair, reference, member)
    opened = await staff_get(client, member, f"/staff/cases/{reference}/file")
    assert opened.status_code == 200 and "volunteers without their consent" in opened.text
    assert await events(reference, "case:file:opened")
    no_reason = await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                                 {"admissible": "no", "reason": ""})
    assert no_reason.status_code == 400 and "Choose why the case is inadmissible" in no_reason.text
    assert await stage(reference) == "admissibility"
    decided = await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                               {"admissible": "no", "reason": "out_of_scope"})
    assert decided.status_code == 303, decided.text[-2000:]
    assert await stage(reference) == "inadmissible"

    # The filer reads the outcome with the receipt code; the respondent was never told.
    view = await follow_up(client, reference, code)
    assert view.status_code == 200 and "Inadmissible" in view.text
    assert not await respondent_links()
    # The public fact names the case and its reason, never the respondent or the filer.
    [fact] = await PublicFact.select().where(PublicFact.subject == f"case:{reference}")
    entry = json.loads(fact["entry"])
    assert entry["kind"] == "case:inadmissible" and entry["reason"] == "out_of_scope"
    assert respondent not in fact["entry"] and FORM["public_name"] not in fact["entry"]
    # Closed: nothing more can be added.
    page = await client.get("/complaints/follow-up")
    refused = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(page.text), "reference": reference, "receipt_code": code,
        "text": "One more thing about what happened that day."})
    assert "This case is closed" in refused.text
    assert await CaseMessage.count().where(CaseMessage.case_file.reference == reference) == 0


async def test_a_complaint_upheld_with_a_suspension_suspends_the_badge_until_it_ends(
        client, synced):
    respondent = await accepted(client, synced)
    badge = await badge_of(client, respondent)
    jwks = await published_jwks(client)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    first, second, third = [await staff_session(synced, "panel_member") for _ in range(3)]
    reference, code = await file_by_page(
        client, respondent, identity="named", name="Volha Filer",
        contact_email="volha@filer.example")
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, first, second, third)
    await staff_post(client, first, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    assert await stage(reference) == "answer"

    # The respondent is told in fixed words; the filer's words and name are in no mail.
    [told] = [m for m in await mails() if "/complaints/respond/" in text(m)]
    assert ACCOUNT[:30] not in text(told) and "Volha" not in text(told)
    assert reference in text(told)
    answer_link = link_in(told)
    page = await client.get(f"/complaints/respond/{answer_link}")
    assert page.status_code == 200 and "volunteers without their consent" in page.text
    assert "Volha" not in page.text  # the filer did not consent to be named
    answered = await client.post(f"/complaints/respond/{answer_link}", data={
        "_csrf_token": csrf_token(page.text),
        "text": "We removed the names within a day and apologised to both volunteers."},
        files=[])
    assert answered.status_code == 200, answered.text[-1500:]
    assert await stage(reference) == "review"
    # The link is spent: a replay is refused and changes nothing.
    replay = await client.post(f"/complaints/respond/{answer_link}", data={
        "_csrf_token": csrf_token(page.text), "text": "A second answer through the same link."},
        files=[])
    assert replay.status_code == 410
    assert (await client.get(f"/complaints/respond/{answer_link}")).status_code == 410
    assert await CaseMessage.count().where(CaseMessage.author == "respondent") == 1

    until = date.today() + timedelta(days=40)
    await draft_and_share(client, first, reference, suspension_until=until.isoformat())
    assert await stage(reference) == "comments"
    view = await follow_up(client, reference, code)
    assert "The draft decision, for your comment" in view.text
    comment_link = (await respondent_links())[-1]
    assert "for your comment" in (await client.get(f"/complaints/respond/{comment_link}")).text
    await fall_due(reference, "case:comments")
    assert await stage(reference) == "deliberation"

    assert (await vote(client, first, reference)).status_code == 303
    assert await stage(reference) == "deliberation"
    assert (await vote(client, second, reference)).status_code == 303  # 2 of 3: adopted
    assert await stage(reference) == "publication"
    # The third member's vote comes too late: there is one decision, and no second.
    late = await vote(client, third, reference, in_favour=False, dissent="Too harsh.")
    assert late.status_code == 409
    assert await CaseDecision.count().where(CaseDecision.status == "adopted") == 1

    # Countersigned, and the sanction took effect through the accession life cycle.
    row = await CaseDecision.select().where(CaseDecision.status == "adopted").first()
    assert (await badge_of(client, respondent))["status"] == "suspended"
    assert "SUSPENDED" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text
    assert "suspended" in (await client.get(f"/verify/{badge['badge_id']}")).text
    assert (await verdict(client, credential=badge["credential"]))["valid"] is False
    index = badge["status_list_entries"]["suspension"]
    assert independent_bit((await client.get("/status/suspension")).text, jwks, index)

    published = await staff_post(client, chair, f"/staff/cases/{reference}/publish",
                                 {"defer": "no"})
    assert published.status_code == 303, published.text[-1500:]
    assert await stage(reference) == "appeal_window"
    [fact] = await PublicFact.select().where(
        (PublicFact.kind == "case:decision_published")
        & (PublicFact.subject == f"case:{reference}"))
    entry = json.loads(fact["entry"])
    document = entry["decision"]
    assert entry["sha256"] == row["document_sha256"]
    assert entry["sha256"] == __import__("hashlib").sha256(canonical_json(document)).hexdigest()
    signed = signing.verify(keyring().signing, entry["countersignature"],
                            typ="case-decision+jwt")
    assert signed["decision"] == document and signed["sha256"] == entry["sha256"]
    assert document["respondent"] == {"signatory": respondent, "name": FORM["public_name"]}
    assert document["outcome"] == "suspension" and document["suspension_until"] == str(until)
    assert "Volha" not in fact["entry"] and "volha@" not in fact["entry"]
    for public_page in ("/cases", f"/cases/{reference}", f"/register/{respondent}",
                        f"/api/v1/cases/{reference}"):
        shown = await client.get(public_page)
        assert shown.status_code == 200, public_page
        assert "Volha" not in shown.text and "filer.example" not in shown.text
    assert "personal data without their consent" in (await client.get(f"/cases/{reference}")).text
    assert reference in (await client.get(f"/register/{respondent}")).text
    # The filer who gave an address was told there is news, in fixed words only.
    news = await mails(to="volha@filer.example")
    assert news and all(ACCOUNT[:30] not in text(m) and SUMMARY not in text(m) for m in news)

    # No appeal: the case closes; the suspension then ends by itself.
    await fall_due(reference, "case:appeal_window")
    assert await stage(reference) == "closed"
    assert (await badge_of(client, respondent))["status"] == "suspended"
    await move_deadline(respondent, SUSPENSION_END,
                        due_at=datetime.now(UTC) - timedelta(seconds=1))
    assert (await run_deadlines(synced)).reinstated == 1
    assert (await badge_of(client, respondent))["status"] == "active"
    assert "ACTIVE" in (await client.get(f"/badges/{badge['badge_id']}.svg")).text
    assert not independent_bit((await client.get("/status/suspension")).text, jwks, index)
    assert (await verdict(client, credential=badge["credential"]))["valid"] is True


async def test_a_conflict_of_interest_appealed_and_decided_by_another_panel(client, synced):
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    first, second, third = [await staff_session(synced, "panel_member") for _ in range(3)]
    appeal_one, appeal_two, appeal_three = [
        await staff_session(synced, "panel_member") for _ in range(3)]
    reference, code = await file_by_page(client, respondent, kind="conflict_of_interest",
                                         principles=["15"])
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, first, second, third)
    await staff_post(client, first, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    await fall_due(reference, "case:answer")  # no answer came: the panel goes on
    assert await stage(reference) == "review"
    await draft_and_share(client, first, reference, outcome="public_reprimand",
                          principles_breached=["15"])
    await fall_due(reference, "case:comments")
    await vote(client, first, reference)
    await vote(client, second, reference)
    assert await stage(reference) == "publication"
    await staff_post(client, chair, f"/staff/cases/{reference}/publish", {"defer": "no"})

    # The filer appeals with the receipt code; a second appeal, by anyone, is refused.
    view = await follow_up(client, reference, code)
    assert "Appeal the decision" in view.text
    appealed = await client.post("/complaints/follow-up/appeal", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "grounds": "A reprimand is not enough: the conflict continues today."})
    assert "Your appeal is lodged" in appealed.text
    assert await stage(reference) == "appeal"
    appeal_link = (await respondent_links())[-1]
    second_appeal = await client.post(f"/complaints/respond/{appeal_link}", data={
        "_csrf_token": csrf_token(view.text),
        "text": "We appeal as well: the reprimand is unfounded."}, files=[])
    assert second_appeal.status_code == 409
    assert "already been appealed" in second_appeal.text

    # Members of the first panel cannot hear the appeal, and the screen says why.
    overview = await staff_get(client, chair, f"/staff/cases/{reference}")
    assert "sat on the first panel of this case" in overview.text
    refused = await staff_post(client, chair, f"/staff/cases/{reference}/assign",
                               {"staff": str(first.id)})
    assert refused.status_code == 409 and "sat on the first panel" in refused.text
    await seat(client, chair, reference, appeal_one, appeal_two, appeal_three)
    # The first panel's members may no longer vote or draft in the appeal.
    await draft_and_share(client, appeal_one, reference, outcome="revocation",
                          principles_breached=["15"])
    assert (await vote(client, first, reference)).status_code == 403
    await vote(client, appeal_one, reference)
    await vote(client, appeal_two, reference)
    assert await stage(reference) == "appeal_publication"
    # The appeal decision replaces the first, and its sanction the first's: revoked.
    assert (await badge_of(client, respondent))["status"] == "revoked"
    appeal_row = await CaseDecision.select().where(
        (CaseDecision.instance == "appeal") & (CaseDecision.status == "adopted")).first()
    first_row = await CaseDecision.select().where(
        (CaseDecision.instance == "first") & (CaseDecision.status == "adopted")).first()
    # Deferred: the hash now, the text later, and the two match.
    await staff_post(client, chair, f"/staff/cases/{reference}/publish", {"defer": "yes"})
    assert await stage(reference) == "closed"
    of_case = PublicFact.subject == f"case:{reference}"
    deferred = await PublicFact.select().where(
        (PublicFact.kind == "case:decision_deferred") & of_case)
    assert [json.loads(d["entry"])["sha256"] for d in deferred] == [
        appeal_row["document_sha256"]]
    assert await PublicFact.count().where(
        (PublicFact.kind == "case:decision_published") & of_case) == 1
    later = await staff_post(client, chair, f"/staff/cases/{reference}/publish-deferred")
    assert later.status_code == 303
    texts = [json.loads(f["entry"]) for f in await PublicFact.select().where(
        (PublicFact.kind == "case:decision_published") & of_case).order_by(PublicFact.seq)]
    assert texts[-1]["sha256"] == appeal_row["document_sha256"]
    assert texts[-1]["decision"]["replaces"] == first_row["document_sha256"]
    assert texts[-1]["decision"]["instance"] == "appeal"


async def test_a_signatory_declares_its_own_conflict(client, synced):
    await accepted(client, synced)
    page = await client.get("/complaints/declare")
    asked = await client.post("/complaints/declare", data={
        "_csrf_token": csrf_token(page.text), "contact_email": FORM["contact_email"]})
    unknown = await client.post("/complaints/declare", data={
        "_csrf_token": csrf_token(page.text), "contact_email": "nobody@nowhere.example"})
    assert asked.text.split("<main")[1] == unknown.text.split("<main")[1]
    [mailed] = [m for m in await mails() if "/complaints/declare/" in text(m)]
    token = re.search(r"/complaints/declare/(\S+)", text(mailed))[1]
    form = await client.get(f"/complaints/declare/{token}")
    assert form.status_code == 200 and FORM["public_name"] in form.text
    declared = await client.post(f"/complaints/declare/{token}", data={
        "_csrf_token": csrf_token(form.text), "principles": ["15"],
        "account": "Our director's brother now chairs the board of a donor we report to."},
        files=[])
    assert declared.status_code == 200, declared.text[-1500:]
    reference, _code = re.findall(r'<code class="receipt-code">([^<]+)</code>', declared.text)
    row = await Case.select().where(Case.reference == reference).first()
    assert row["self_declared"] is True and row["kind"] == "conflict_of_interest"
    assert (await client.post(f"/complaints/declare/{token}", data={
        "_csrf_token": csrf_token(form.text), "principles": ["15"],
        "account": "The same declaration, sent a second time."}, files=[])).status_code == 410
    # Admissible: the panel reviews at once, with no answer to wait for.
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, member)
    await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    assert await stage(reference) == "review"
    steps = [r["stage"] for r in await CaseStep.select(CaseStep.stage).where(
        CaseStep.case_file == row["id"]).order_by(CaseStep.at)]
    assert steps == ["received", "admissibility", "review"]


async def test_conflicts_confirmation_and_recusal(client, synced):
    respondent = await accepted(client, synced)
    chair = await staff_session(synced, "panel_chair")
    interested = await staff_session(synced, "panel_member", name="Interested Member")
    member = await staff_session(synced, "panel_member", name="Plain Member")
    declared = await staff_post(client, interested, "/staff/interests", {
        "kind": "name", "value": "Правовая Инициатива", "relation": "board member"})
    assert declared.status_code == 303
    reference, _ = await file_by_page(client, respondent)

    # Declared in Cyrillic, the interest still meets the Latin name: never assignable.
    overview = await staff_get(client, chair, f"/staff/cases/{reference}")
    assert "Interested Member: cannot be assigned" in overview.text
    # Why, in words that do not say which party, nor what was declared.
    assert "has a conflict of interest with a party to this case" in overview.text
    assert "board member" not in overview.text
    refused = await staff_post(client, chair, f"/staff/cases/{reference}/assign",
                               {"staff": str(interested.id)})
    assert refused.status_code == 409
    assert await events(reference, "case:panel:assigned") == []

    # Assigned but not confirmed: the file and the attachments are refused, and audited.
    await staff_post(client, chair, f"/staff/cases/{reference}/assign",
                     {"staff": str(member.id)})
    assert (await staff_get(client, member, f"/staff/cases/{reference}/file")
            ).status_code == 403
    assert (await staff_get(client, member, f"/staff/cases/{reference}/attachments/1")
            ).status_code in (403, 404)
    assert len(await events(reference, "case:file:refused")) >= 1
    # Recused (after confirming): the vote is refused, and the chair is told.
    await staff_post(client, member, f"/staff/cases/{reference}/confirm")
    recused = await staff_post(client, member, f"/staff/cases/{reference}/recuse",
                               {"reason": "I advised the filer's organisation last year."})
    assert recused.status_code == 303
    assert (await staff_get(client, member, f"/staff/cases/{reference}/file")
            ).status_code == 403
    assert (await vote(client, member, reference)).status_code == 403
    assert await events(reference, "case:panel:recused")


async def test_the_filer_stays_hidden_and_the_rows_are_sealed(client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(
        client, respondent, identity="named", name="Siarhei Hidden",
        contact_email="siarhei@hidden.example")
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, member)
    # Before admissibility, the respondent is not to hear of the case at all.
    early = await staff_post(client, member, f"/staff/cases/{reference}/messages",
                             {"audience": "both", "text": "A question for both sides."})
    assert early.status_code == 409 and not await respondent_links()
    await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    await staff_post(client, member, f"/staff/cases/{reference}/messages",
                     {"audience": "both", "text": "Please say more about the second volunteer."})
    await staff_post(client, member, f"/staff/cases/{reference}/notes",
                     {"note": "Check the archived page of the organisation."})
    link = (await respondent_links())[-1]
    respondent_page = (await client.get(f"/complaints/respond/{link}")).text
    assert "Siarhei" not in respondent_page and "hidden.example" not in respondent_page
    assert "Please say more" in respondent_page and "archived page" not in respondent_page
    for path in ("/register", f"/register/{respondent}", "/api/v1/signatories",
                 f"/api/v1/signatories/{respondent}"):
        assert "Siarhei" not in (await client.get(path)).text
    # A copy of the database reads none of it, nor whom the case concerns.
    raw = json.dumps([*await Case.raw("SELECT * FROM case_file"),
                      *await Case.raw("SELECT * FROM case_step"),
                      *await Case.raw("SELECT * FROM case_message"),
                      *await Case.raw("SELECT * FROM case_note"),
                      *await Case.raw("SELECT * FROM case_link"),
                      *await Case.raw("SELECT * FROM panel_seat"),
                      *await Case.raw("SELECT * FROM deadline WHERE subject LIKE 'case:%'"),
                      *await Case.raw("SELECT * FROM mail_outbox"),
                      *await Case.raw("SELECT * FROM audit_event WHERE subject = {}",
                                      f"case:{reference}")], default=str)
    for secret in ("Siarhei", "siarhei@hidden", "volunteers without", "second volunteer",
                   "archived page", respondent, code.replace(" ", "")):
        assert secret not in raw, secret
    assert base64.b64encode(b"Siarhei").decode() not in raw


async def test_a_filer_who_consents_is_named_to_the_respondent_and_nobody_else(
        client, synced):
    respondent = await accepted(client, synced)
    reference, _ = await file_by_page(
        client, respondent, identity="named", name="Maryia Consenting",
        contact_email="maryia@filer.example", consent_to_identity="on")
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, member)
    await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    page = await client.get(f"/complaints/respond/{(await respondent_links())[-1]}")
    assert "Maryia Consenting" in page.text and "maryia@filer.example" not in page.text
    # Not in the mail that told the respondent, nor on the staff overview.
    assert all("Maryia" not in text(m) for m in await mails())
    assert "Maryia" not in (await staff_get(client, secretariat, f"/staff/cases/{reference}")
                            ).text


async def test_votes_at_the_same_moment_make_one_decision(client, synced):
    import asyncio

    from registry.audit.services import staff_actor
    from registry.cases import decisions

    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    members = [await staff_session(synced, "panel_member") for _ in range(3)]
    reference, _ = await file_by_page(client, respondent)
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, *members)
    await staff_post(client, members[0], f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    await fall_due(reference, "case:answer")
    await draft_and_share(client, members[0], reference, outcome="upheld_with_recommendation")
    await fall_due(reference, "case:comments")

    async def cast(member: Staff) -> str:
        try:
            return await decisions.vote(reference, member.id, in_favour=True,
                                        actor=staff_actor(member.id), settings=synced)
        except Exception as refused:  # the refusal is the answer we compare
            return type(refused).__name__

    results = await asyncio.gather(*(cast(m) for m in members))
    assert sorted(results).count("adopted") == 1, results
    assert await CaseDecision.count().where(CaseDecision.status == "adopted") == 1
    assert await stage(reference) == "publication"
