"""Journey c: an anonymous complaint filed on /complaints/new (first too short, to see the
error summary), the receipt shown once, and the case followed up with the receipt code
on /complaints/follow-up. Without JavaScript, the filer comes from the respondent's
register page."""

from __future__ import annotations

import re

from registry import labels
from registry.translation import ngettext, using
from tests.browser.conftest import Signatories, run_params
from tests.browser.harness import Run, tr

ACCOUNTS = {
    "en": "On 3 May the organisation published the names of two volunteers without "
          "their consent.",
    "be": "3 траўня арганізацыя апублікавала імёны двух валанцёраў без іх згоды.",
    "ru": "3 мая организация опубликовала имена двух волонтёров без их согласия.",
}


def at_least(language: str, number: int) -> str:
    with using(language):
        words = ngettext("Write at least %(num)d character.",
                         "Write at least %(num)d characters.", number)
    if language != "en":
        assert words != "Write at least %(num)d characters.", f"no {language} plural forms"
    return words % {"num": number}


@run_params()
def test_an_anonymous_complaint_filed_and_followed_up(
        browser, audit, signatories: Signatories, run: Run):
    language = run.language
    respondent = signatories.shared()
    filer = audit.tab(browser, run, who="filer")
    page = filer.page
    if run.javascript:
        filer.start("/")
        filer.follow(page.locator("nav.site-nav a[href='/complaints/new']"))
        page.locator("select[name=respondent]").select_option(respondent.id)
    else:  # from the respondent's register page, which names it already
        filer.start(f"/register/{respondent.id}")
        filer.follow(page.locator(f"a[href='/complaints/new?respondent={respondent.id}']"))
        assert page.locator("select[name=respondent]").input_value() == respondent.id
    assert filer.h1() == tr(language, "Raise a complaint or a conflict of interest")

    form = page.locator("form[action='/complaints/new']")
    page.locator("input[name=kind][value=complaint]").check()
    page.locator("input[name=principles][value='11']").check()
    page.locator("textarea[name=account]").fill("Names published.")
    page.locator("input[name=identity][value=anonymous]").check()
    filer.follow(form.locator("button[type=submit]"))
    assert filer.status == 400
    summary = page.locator(".form-error[role=alert]")
    assert summary.locator("h2").inner_text() == tr(language, "There is a problem")
    assert summary.locator("a[href='#account']").inner_text() == "{}: {}".format(
        tr(language, "What happened"), at_least(language, 20))
    assert page.locator("#account").get_attribute("aria-invalid") == "true"
    assert page.locator("select[name=respondent]").input_value() == respondent.id

    page.locator("textarea[name=account]").fill(ACCOUNTS[language])
    if not page.locator("input[name=principles][value='11']").is_checked():
        page.locator("input[name=principles][value='11']").check()
    filer.follow(form.locator("button[type=submit]"), shot="complaint-receipt")
    assert filer.h1() == tr(language, "The case is filed")
    reference, receipt = page.locator("code.receipt-code").all_inner_texts()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt), receipt

    filer.follow(page.get_by_role("link", name=tr(language, "Follow up a case you filed")))
    assert filer.h1() == tr(language, "Follow up a case")
    page.locator("input[name=reference]").fill(reference)
    page.locator("input[name=receipt_code]").fill(receipt.replace(" ", ""))
    filer.follow(page.get_by_role("button", name=tr(language, "Open the case")))
    main = filer.main()
    assert reference in main and ACCOUNTS[language] in main
    assert tr(language, labels.CASE_KIND.msgid("complaint")) in main
    assert tr(language, labels.STAGE_DESCRIPTION.msgid("received")) in main
    assert respondent.name in main
    assert tr(language, "No messages yet.") in main
    audit.assert_clean()
