"""The panel's forms refused GOV.UK's way: the case's page and its file have several
forms, and a problem is told against the control of the form that was sent (by its own
id), with everything that was written kept."""

from __future__ import annotations

from datetime import date, timedelta

from registry.cases.tables import CaseMessage
from tests.accessions.test_lifecycle import accepted
from tests.cases.test_procedure import draft_and_share, file_by_page, seat, stage
from tests.factories import fall_due, staff_get, staff_post, staff_session
from tests.forms import assert_no_field_marked, assert_refused, control, summary_of

REASONING = "The names were published; a reasoning long enough to be kept."


async def _case(client, synced):
    """A case at admissibility, its chair and two members seated."""
    respondent = await accepted(client, synced)
    secretariat = await staff_session(synced, "secretariat")
    chair = await staff_session(synced, "panel_chair")
    member, other = [await staff_session(synced, "panel_member") for _ in range(2)]
    reference, _code = await file_by_page(client, respondent)
    await staff_post(client, secretariat, f"/staff/cases/{reference}/acknowledge")
    await seat(client, chair, reference, member, other, chair)
    return reference, chair, member


async def test_the_file_says_each_problem_at_the_control_of_the_form_sent(client, synced):
    reference, chair, member = await _case(client, synced)
    file = f"/staff/cases/{reference}"

    undecided = await staff_post(client, member, f"{file}/admissibility",
                                 {"admissible": "", "reason": "out_of_scope"})
    assert undecided.status_code == 400
    assert_refused(undecided.text, "admissible")
    assert 'value="out_of_scope" selected' in undecided.text  # the choice kept

    no_reason = await staff_post(client, member, f"{file}/admissibility",
                                 {"admissible": "no", "reason": ""})
    assert no_reason.status_code == 400
    summary = assert_refused(no_reason.text, "admissibility-reason")
    assert "Why the case is inadmissible: Choose why the case is inadmissible." in summary
    assert 'value="no" checked' in no_reason.text
    assert "aria-invalid" not in control(no_reason.text, "admissible")

    nobody = await staff_post(client, member, f"{file}/messages",
                              {"audience": "", "text": "A question <for> the filer."})
    assert nobody.status_code == 400
    assert_refused(nobody.text, "message-audience")
    assert ">A question &lt;for&gt; the filer.</textarea>" in nobody.text
    assert await CaseMessage.count() == 0

    short = await staff_post(client, member, f"{file}/messages",
                             {"audience": "respondent", "text": "x"})
    assert short.status_code == 400
    assert 'aria-describedby="message-text-hint message-text-error"' in control(
        short.text, "message-text")
    assert_refused(short.text, "message-text")

    note = await staff_post(client, member, f"{file}/notes", {"note": "x"})
    assert note.status_code == 400
    assert_refused(note.text, "note")
    assert f'{control(note.text, "note")}x</textarea>' in note.text

    until = (date.today() + timedelta(days=400)).isoformat()  # beyond the longest allowed
    interim = await staff_post(client, chair, f"{file}/interim",
                               {"until": until, "reason": "The names are still online today."})
    assert interim.status_code == 400
    assert_refused(interim.text, "interim-until")
    assert f'value="{until}"' in control(interim.text, "interim-until")
    assert ">The names are still online today.</textarea>" in interim.text

    no_day = await staff_post(client, chair, f"{file}/interim",
                              {"until": "", "reason": "The names are still online today."})
    assert no_day.status_code == 400
    assert_refused(no_day.text, "interim-until")
    assert ">The names are still online today.</textarea>" in no_day.text


async def test_the_draft_and_the_vote_keep_what_was_written(client, synced):
    reference, _chair, member = await _case(client, synced)
    file = f"/staff/cases/{reference}"
    await staff_post(client, member, f"{file}/admissibility", {"admissible": "yes"})
    await fall_due(reference, "case:answer")
    assert await stage(reference) == "review"

    draft = await staff_post(client, member, f"{file}/draft", {
        "outcome": "suspension", "principles_breached": ["11"], "reasoning": REASONING,
        "public_summary": "Too short.", "suspension_until": ""})
    assert draft.status_code == 400
    assert_refused(draft.text, "draft-summary")
    assert f">{REASONING}</textarea>" in draft.text
    assert "aria-invalid" not in control(draft.text, "draft-reasoning")

    none_breached = await staff_post(client, member, f"{file}/draft", {
        "outcome": "suspension", "reasoning": REASONING, "public_summary": REASONING})
    assert none_breached.status_code == 400
    assert_refused(none_breached.text, "draft-principles")

    await draft_and_share(client, member, reference,
                          suspension_until=(date.today() + timedelta(days=60)).isoformat())
    await fall_due(reference, "case:comments")
    assert await stage(reference) == "deliberation"
    vote = await staff_post(client, member, f"{file}/vote",
                            {"in_favour": "", "dissent": "Too harsh for a first breach."})
    assert vote.status_code == 400
    assert_refused(vote.text, "vote-in_favour")
    assert ">Too harsh for a first breach.</textarea>" in vote.text


async def test_the_case_page_keeps_a_recusal_refused_and_tells_a_conflict_for_the_page(
        client, synced):
    reference, chair, member = await _case(client, synced)
    refused = await staff_post(client, member, f"/staff/cases/{reference}/recuse",
                               {"reason": "x"})
    assert refused.status_code == 400
    assert_refused(refused.text, "recusal-reason")
    assert ">x</textarea>" in refused.text
    again = await staff_post(client, chair, f"/staff/cases/{reference}/acknowledge")
    assert again.status_code == 409
    assert "<title>Error: " in again.text and "<li>" in summary_of(again.text)
    assert_no_field_marked(again.text)


async def test_a_declared_interest_refused_is_told_at_its_field_and_kept(client, synced):
    member = await staff_session(synced, "panel_member")
    page = await staff_get(client, member, "/staff/interests")
    assert page.status_code == 200 and "aria-invalid" not in page.text
    refused = await staff_post(client, member, "/staff/interests", {
        "kind": "domain", "value": "not a domain", "relation": "I advise them on security."})
    assert refused.status_code == 400
    assert_refused(refused.text, "interest-value")
    assert 'value="not a domain"' in control(refused.text, "interest-value")
    assert 'value="I advise them on security."' in control(refused.text, "interest-relation")
    assert 'value="domain" checked' in refused.text
