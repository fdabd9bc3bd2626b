"""The staff's decisions on accessions refused GOV.UK's way: a reason to reject, a
question to the applicant, the panel's decision reference, each said at its control (a
page with several forms names the control of the form sent), what was written kept; a
decision the state of things refuses is told for the whole form."""

from __future__ import annotations

from registry.accessions.tables import Accession
from tests.accessions.test_lifecycle import accepted
from tests.accessions.test_review import applied
from tests.forms import assert_no_field_marked, assert_refused, control, summary_of, words
from tests.staff.helpers import csrf_token, login_over_http, make_member

BE = {"accept-language": "be"}


async def _status(accession: str) -> str:
    row = await Accession.select(Accession.status).where(
        Accession.public_id == accession).first()
    return row["status"]


async def test_a_reason_too_short_to_reject_is_told_at_its_field_and_kept(client, synced):
    accession = await applied(client)
    await login_over_http(client, await make_member(synced, "secretariat"))
    page = await client.get(f"/staff/accessions/{accession}", headers=BE)
    assert "aria-invalid" not in page.text and 'class="form-error"' not in page.text
    refused = await client.post(f"/staff/accessions/{accession}/reject", headers=BE, data={
        "_csrf_token": csrf_token(page.text), "reason": "<b>!"})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "reject-reason", language="be")
    assert words("Give the applicant a reason (5 to 2000 characters).", "be") in summary
    assert ">&lt;b&gt;!</textarea>" in refused.text  # kept, and escaped
    assert "aria-invalid" not in control(refused.text, "ask-question")  # the other form
    assert await _status(accession) == "pending_review"


async def test_a_question_too_short_is_told_at_its_field_and_kept(client, synced):
    accession = await applied(client)
    await login_over_http(client, await make_member(synced, "secretariat"))
    page = await client.get(f"/staff/accessions/{accession}")
    refused = await client.post(f"/staff/accessions/{accession}/ask", data={
        "_csrf_token": csrf_token(page.text), "question": "Why?"})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "ask-question")
    assert ('<a href="#ask-question">Question to the applicant (they answer through a '
            'link): Write the question (5 to 4000 characters).</a>') in summary
    assert ">Why?</textarea>" in refused.text
    assert "aria-invalid" not in control(refused.text, "reject-reason")
    assert await _status(accession) == "pending_review"


async def test_a_decision_reference_is_told_at_the_control_of_the_decision_sent(
        client, synced):
    signatory = await accepted(client, synced)
    await login_over_http(client, await make_member(synced, "panel_member"))
    page = await client.get(f"/staff/signatories/{signatory}", headers=BE)
    assert page.status_code == 200 and 'id="reinstate-decision"' in page.text
    for action in ("reinstate", "complete-withdrawal"):
        refused = await client.post(f"/staff/signatories/{signatory}/{action}", headers=BE,
                                    data={"_csrf_token": csrf_token(page.text),
                                          "decision": "P"})
        assert refused.status_code == 400
        summary = assert_refused(refused.text, f"{action}-decision", language="be")
        assert words("Name the panel decision (3 to 200 characters).", "be") in summary
        assert 'value="P"' in control(refused.text, f"{action}-decision")
        other = "complete-withdrawal" if action == "reinstate" else "reinstate"
        tag = control(refused.text, f"{other}-decision")
        assert "aria-invalid" not in tag and 'value=""' in tag


async def test_a_decision_the_state_refuses_is_told_for_the_whole_form(client, synced):
    signatory = await accepted(client, synced)
    await login_over_http(client, await make_member(synced, "panel_member"))
    page = await client.get(f"/staff/signatories/{signatory}")
    refused = await client.post(f"/staff/signatories/{signatory}/reinstate", data={
        "_csrf_token": csrf_token(page.text), "decision": "Panel 2026/7"})
    assert refused.status_code == 409
    html = refused.text
    assert "<title>Error: " in html
    summary = summary_of(html)
    assert "Only a suspended accession can be reinstated; this one is active." in summary
    assert "<a href=" not in summary
    assert_no_field_marked(html)
    assert 'value="Panel 2026/7"' in control(html, "reinstate-decision")  # kept
