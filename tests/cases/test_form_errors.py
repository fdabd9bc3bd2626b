"""The filer's and the respondent's forms refused GOV.UK's way: "Error:" in the title, a
summary linking to the field, the error line at the control, what was typed kept, and
the receipt code, a secret, never written back."""

from __future__ import annotations

import re

from registry.cases.tables import Case, CaseAppeal, CaseMessage
from tests.accessions.test_lifecycle import accepted
from tests.cases.test_procedure import file_by_page, respondent_links, seat
from tests.factories import staff_post, staff_session
from tests.forms import assert_no_field_marked, assert_refused, control, summary_of, words
from tests.staff.helpers import csrf_token

SHORT = "Too <short> & kept"  # fewer than 20 characters, with what HTML must escape
KEPT = "Too &lt;short&gt; &amp; kept"
LONG_ENOUGH = "We removed the names within a day and apologised to both volunteers."


def _wrong(code: str) -> str:
    return "1111 2222 3333 4444" if code != "1111 2222 3333 4444" else "9999 2222 3333 4444"


async def _door(client, language: str = "en", **data: str):
    headers = {"accept-language": language}
    page = await client.get("/complaints/follow-up", headers=headers)
    return await client.post("/complaints/follow-up", headers=headers, data={
        "_csrf_token": csrf_token(page.text), **data})


async def _stage(reference: str, stage: str) -> None:
    await Case.update({Case.stage: stage}).where(Case.reference == reference)


async def test_a_wrong_pair_is_told_against_the_code_which_is_not_written_back(
        client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    wrong = _wrong(code)
    refused = await _door(client, "be", reference=reference, receipt_code=wrong)
    assert refused.status_code == 404
    summary = assert_refused(refused.text, "receipt_code", language="be")
    said = words("This reference and receipt code do not open a case. Check both and try "
                 "again.", "be")
    assert f'<a href="#receipt_code">{words("Receipt code", "be")}: {said}</a>' in summary
    tag = control(refused.text, "receipt_code")
    assert 'aria-describedby="receipt_code-hint receipt_code-error"' in tag
    assert "value=" not in tag  # the code is a secret: typed again, never shown
    assert wrong not in refused.text and wrong.replace(" ", "") not in refused.text
    assert f'value="{reference}"' in control(refused.text, "reference")  # the reference kept
    assert 'aria-invalid' not in control(refused.text, "reference")


async def test_empty_answers_at_the_door_are_told_field_by_field(client, synced):
    refused = await _door(client, reference=" ", receipt_code="")
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "reference", "receipt_code")
    assert "Answer this question." in summary


async def test_a_message_too_short_is_refused_against_its_field_and_kept(client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    view = await _door(client, reference=reference, receipt_code=code)
    written = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "text": SHORT}, files=[])
    assert written.status_code == 400
    summary = assert_refused(written.text, "text")
    assert '<a href="#text">Write to the panel: Write at least 20 characters.</a>' in summary
    assert f">{KEPT}</textarea>" in written.text  # nothing typed is lost
    assert 'role="status"' not in written.text  # no notice as if it were news
    assert await CaseMessage.count() == 0


async def test_evidence_refused_is_told_at_the_file_input_and_the_message_kept(
        client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    view = await _door(client, reference=reference, receipt_code=code)
    written = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "text": LONG_ENOUGH}, files=[("evidence", ("tool.exe", b"MZ\x90\x00" * 64,
                                                    "application/octet-stream"))])
    assert written.status_code == 400
    assert_refused(written.text, "attachments")
    assert f">{LONG_ENOUGH}</textarea>" in written.text
    assert await CaseMessage.count() == 0


async def test_a_closed_case_refuses_the_message_for_the_whole_form_and_shows_it(
        client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    view = await _door(client, reference=reference, receipt_code=code)
    await _stage(reference, "closed")
    written = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "text": LONG_ENOUGH}, files=[])
    assert written.status_code == 409
    assert written.text.count("<title>Error: ") == 1
    assert "This case is closed" in summary_of(written.text)
    assert_no_field_marked(written.text)
    # The form is gone with the stage; what was written is still on the page.
    assert "What you wrote (not sent)" in written.text and LONG_ENOUGH in written.text


async def test_a_problem_of_a_form_gone_with_the_stage_is_told_for_the_whole_page(
        client, synced):
    """The case closed while its filer wrote, and the evidence is refused before the
    stage is: the summary must not link to a control the page no longer has."""
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    view = await _door(client, reference=reference, receipt_code=code)
    await _stage(reference, "closed")
    written = await client.post("/complaints/follow-up/message", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "text": LONG_ENOUGH}, files=[("evidence", ("tool.exe", b"MZ\x90\x00" * 64,
                                                    "application/octet-stream"))])
    assert written.status_code == 400
    summary = summary_of(written.text)
    assert summary and 'href="#' not in summary
    assert 'id="attachments"' not in written.text
    assert_no_field_marked(written.text)
    assert await CaseMessage.count() == 0


async def test_appeal_grounds_too_short_are_refused_against_their_field_and_kept(
        client, synced):
    respondent = await accepted(client, synced)
    reference, code = await file_by_page(client, respondent)
    await _stage(reference, "appeal_window")
    view = await _door(client, reference=reference, receipt_code=code)
    appealed = await client.post("/complaints/follow-up/appeal", data={
        "_csrf_token": csrf_token(view.text), "reference": reference, "receipt_code": code,
        "grounds": SHORT})
    assert appealed.status_code == 400
    summary = assert_refused(appealed.text, "grounds")
    assert 'href="#grounds">Appeal the decision: your grounds: ' in summary
    assert 'aria-describedby="grounds-hint grounds-error"' in control(appealed.text, "grounds")
    assert f">{KEPT}</textarea>" in appealed.text
    assert 'aria-invalid' not in control(appealed.text, "text")  # the other form is not at fault
    assert await CaseAppeal.count() == 0


async def _answer_link(client, synced) -> tuple[str, str]:
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member = await staff_session(synced, "panel_member")
    reference, _code = await file_by_page(client, respondent)
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, member)
    await staff_post(client, member, f"/staff/cases/{reference}/admissibility",
                     {"admissible": "yes"})
    return reference, (await respondent_links())[-1]


async def test_the_respondents_answer_too_short_is_refused_against_its_field_and_kept(
        client, synced):
    _reference, link = await _answer_link(client, synced)
    page = await client.get(f"/complaints/respond/{link}", headers={"accept-language": "ru"})
    answered = await client.post(f"/complaints/respond/{link}", headers={
        "accept-language": "ru"}, data={"_csrf_token": csrf_token(page.text), "text": SHORT},
        files=[])
    assert answered.status_code == 400
    summary = assert_refused(answered.text, "respond-text", language="ru")
    assert f'<a href="#respond-text">{words("Your answer", "ru")}: ' in summary
    tag = control(answered.text, "respond-text")
    assert 'aria-describedby="respond-text-hint respond-text-error"' in tag
    assert f">{KEPT}</textarea>" in answered.text
    # The link still works: the answer can be sent once it is long enough.
    sent = await client.post(f"/complaints/respond/{link}", data={
        "_csrf_token": csrf_token(page.text), "text": LONG_ENOUGH}, files=[])
    assert sent.status_code == 200, sent.text[-1500:]


async def test_the_respondent_refused_for_the_stage_keeps_what_it_wrote(client, synced):
    reference, link = await _answer_link(client, synced)
    page = await client.get(f"/complaints/respond/{link}")
    await _stage(reference, "deliberation")
    answered = await client.post(f"/complaints/respond/{link}", data={
        "_csrf_token": csrf_token(page.text), "text": LONG_ENOUGH}, files=[])
    assert answered.status_code == 409
    assert re.search(r"<title>Error: ", answered.text)
    assert "no longer at the stage" in summary_of(answered.text)
    assert_no_field_marked(answered.text)
    assert "What you wrote (not sent)" in answered.text and LONG_ENOUGH in answered.text
    assert await CaseMessage.count().where(CaseMessage.author == "respondent") == 0
