"""Journey d: a complaint heard by the ethics panel on the staff pages, each member in a
browser of their own (logged in with password and TOTP), ends in a decision that
suspends the signatory's badge; the verification page and the register say so.

The procedure's rules (tests/cases): the secretariat acknowledges, the chair assigns
three members who each confirm having no conflict, one finds the case admissible, the
respondent answers through the mailed one-time link, the draft is shared for comment
(the time for comments is made to fall due from another process, as a test does rather
than wait a week), two of the three confirmed members vote for it, and the chair
publishes the decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from registry import labels
from registry.cases.tables import Stage
from tests.browser.conftest import Signatories, Staff, run_params
from tests.browser.harness import Audit, Run, Tab, tr

ACCOUNT = ("On 3 May the organisation published the names and photographs of two "
           "volunteers without their consent.")
SUMMARY = "The organisation published volunteers' personal data without their consent."


def test_the_staff_enrolment_and_login_pages_pass_the_checks(staff: Staff):
    """Enrolling and logging in (done once, for every journey) are pages too."""
    assert not staff.problems, "\n".join(staff.problems)


def stage_is(tab: Tab, stage: Stage) -> None:
    facts = tab.page.locator("dl.facts")
    assert facts.count(), f"{tab.page.url} ({tab.status}): {tab.main()[:1500]}"
    words = facts.first.inner_text()
    assert tr(tab.run.language, labels.STAGE.msgid(stage)) in words, words


def file_a_complaint(audit: Audit, browser, run: Run, respondent: str) -> str:
    filer = audit.tab(browser, run, who="filer")
    page = filer.page
    filer.start(f"/complaints/new?respondent={respondent}")
    page.locator("input[name=principles][value='11']").check()
    page.locator("textarea[name=account]").fill(ACCOUNT)
    filer.follow(page.locator("form[action='/complaints/new'] button[type=submit]"))
    reference, _receipt = page.locator("code.receipt-code").all_inner_texts()
    return reference


@run_params()
def test_a_panel_decision_suspends_the_badge_and_the_verification_says_so(
        browser, audit, served, staff: Staff, signatories: Signatories, run: Run):
    language = run.language
    respondent = signatories.new()
    reference = file_a_complaint(audit, browser, run, respondent.id)
    case = f"/staff/cases/{reference}"
    # Staff choose their language by the browser's (the public side uses the switch).
    desks = {key: audit.tab(browser, replace(run, chosen_by="locale"), who=key,
                            storage_state=staff[key].state)
             for key in ("secretariat", "chair", "first", "second", "third")}

    # The secretariat acknowledges the case from the dashboard.
    secretariat = desks["secretariat"]
    secretariat.start("/staff/cases", shot="staff-cases")
    assert secretariat.h1() == tr(language, "Cases")
    secretariat.follow(secretariat.page.locator(f"a[href='{case}']"))
    stage_is(secretariat, Stage.received)
    secretariat.follow(secretariat.page.get_by_role(
        "button", name=tr(language, "Acknowledge the case")))
    stage_is(secretariat, Stage.admissibility)

    # The chair seats three members; each confirms having no conflict.
    chair = desks["chair"]
    chair.start(case)
    for key in ("first", "second", "third"):
        chair.follow(chair.page.locator("form[action$='/assign']").filter(
            has_text=staff[key].name).get_by_role("button", name=tr(language, "Assign")))
        member = desks[key]
        member.start(case)
        member.follow(member.page.get_by_role("button", name=tr(
            language, "I confirm that I have no conflict of interest in this case")))
        assert member.page.get_by_role("link", name=tr(language, "Open the case file")
                                       ).count() == 1

    # The first member opens the file and finds the case admissible.
    first = desks["first"]
    first.follow(first.page.get_by_role("link", name=tr(language, "Open the case file")))
    assert ACCOUNT in first.main()
    admissibility = first.page.locator("form[action$='/admissibility']")
    admissibility.locator("input[name=admissible][value=yes]").check()
    first.follow(admissibility.get_by_role("button", name=tr(language, "Decide")))
    stage_is(first, Stage.answer)

    # The respondent answers through the one-time link mailed to its contact address.
    answering = audit.tab(browser, run, who="respondent")
    answering.start(served.link_mailed(respondent.email, "/complaints/respond/"))
    assert ACCOUNT in answering.main()
    answering.page.locator("#respond-text").fill(
        "We removed the names within a day and apologised to both volunteers.")
    answering.follow(answering.page.locator(
        "form[action^='/complaints/respond/'] button[type=submit]"))
    assert answering.h1() == tr(language, "Sent to the ethics panel")

    # The first member drafts a suspension and shares it with both sides.
    first.open(f"{case}/file")
    stage_is(first, Stage.review)
    until = date.today() + timedelta(days=40)
    draft = first.page.locator("form[action$='/draft']")
    draft.locator("select[name=outcome]").select_option("suspension")
    draft.locator("input[name=principles_breached][value='11']").check()
    draft.locator("input[name=suspension_until]").fill(until.isoformat())
    draft.locator("textarea[name=reasoning]").fill(
        "The volunteers' names were published without consent; Principle 11 protects "
        "personal data.")
    draft.locator("textarea[name=public_summary]").fill(SUMMARY)
    draft.locator("input[name=names_respondent]").check()
    first.follow(draft.get_by_role("button", name=tr(language, "Save the draft")))
    first.follow(first.page.locator("form[action$='/share'] button[type=submit]"))
    stage_is(first, Stage.comments)

    # A week for comments, made to pass; then two of the three vote for the draft.
    served.module("tests.browser.fall_due", reference, "case:comments")
    for key in ("first", "second"):
        member = desks[key]
        member.open(f"{case}/file")
        stage_is(member, Stage.deliberation)
        vote = member.page.locator("form[action$='/vote']")
        vote.locator("input[name=in_favour][value=yes]").check()
        member.follow(vote.get_by_role("button", name=tr(language, "Vote")))
    stage_is(desks["second"], Stage.publication)

    # The sanction took effect at once: the badge's page says it is suspended.
    public = audit.tab(browser, run, who="public")
    public.start(f"/verify/{respondent.badge_id}", shot="verify-suspended")
    verdict = public.page.locator(".verdict").inner_text()
    assert tr(language, "Not valid.") in verdict
    suspended = tr(language, labels.ACCESSION_STATUS.msgid("suspended"))
    assert tr(language, "The accession is %(status)s now.", status=suspended) in verdict
    public.open(f"/register/{respondent.id}")
    assert suspended in public.page.locator("dl.facts").inner_text()

    # The chair publishes the decision; the public page of the case shows its summary.
    chair.open(case)
    publish = chair.page.locator("form[action$='/publish']")
    chair.follow(publish.get_by_role("button", name=tr(language, "Publish")))
    stage_is(chair, Stage.appeal_window)
    public.open(f"/cases/{reference}")
    assert SUMMARY in public.main()
    audit.assert_clean()
