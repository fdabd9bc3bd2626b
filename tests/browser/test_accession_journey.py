"""Journey b: an organisation accedes through the form in the browser (first with
mistakes, to see the error summary, then corrected), confirms from the mailed link; a
member of the secretariat logs in with password and TOTP and accepts it on the staff
pages; the badge appears on the register page, its QR code (read by zxing-cpp from the
image as Chromium draws it) leads to the verification page, which says valid."""

from __future__ import annotations

from dataclasses import replace

import zxingcpp
from PIL import Image

from registry import labels
from tests.browser.conftest import Staff, run_params
from tests.browser.harness import Run, Tab, tr

NAMES = {"en": "Human Rights Centre", "be": "Праваабарончы цэнтр «Прызма»",
         "ru": "Правозащитный центр «Призма»"}


def fill_the_form(tab: Tab, name: str, *, city: str, address: str) -> None:
    page = tab.page
    page.locator("input[name=kind][value=organisation]").check()
    page.locator("input[name=public_name]").fill(name)
    page.locator("input[name=legal_name]").fill(f"Public Association «{name}»")
    page.locator("select[name=country]").select_option("LT")
    page.locator("input[name=city]").fill(city)
    page.locator("input[name=registration_status][value=in_exile]").check()
    page.locator("input[name=website]").fill("https://centre.example")
    page.locator("input[name=contact_email]").fill(address)
    page.locator("input[name=representative_name]").fill("Alena Test")
    page.locator("input[name=representative_role]").fill("Chair of the board")
    page.locator("input[name=head_in_party_body][value=no]").check()
    page.locator("input[name=listing][value=public]").check()
    page.locator("input[name=signature_name]").fill("Alena Test")
    page.locator("input[name=consent]").check()


@run_params()
def test_an_organisation_accedes_and_its_badge_says_valid(
        browser, audit, served, staff: Staff, run: Run, tmp_path):
    language = run.language
    name = f"{NAMES[language]} {run.id}"
    address = f"accede-{run.id}@centre.example"
    applicant = audit.tab(browser, run, who="applicant")
    page = applicant.page
    applicant.start("/")
    applicant.follow(page.locator("nav.site-nav a[href='/accede']"))
    assert applicant.h1() == tr(language, "Accede to the Principles")

    # Mistakes the browser cannot see: markup in the city, an e-mail address without a
    # domain. The page comes back with the summary, each field in error marked.
    fill_the_form(applicant, name, city="<b>Vilnius</b>", address="someone@centre")
    applicant.follow(page.locator("form.accede-form button[type=submit]"), shot="accede-errors")
    assert applicant.status == 400
    summary = page.locator(".form-error[role=alert]")
    assert summary.locator("h2").inner_text() == tr(language, "There is a problem")
    links = {link.get_attribute("href"): link.inner_text()
             for link in summary.locator("a").all()}
    assert set(links) == {"#city", "#contact_email"}, links
    assert links["#city"] == "{}: {}".format(
        tr(language, "City"), tr(language, "Remove the characters < and > from this answer."))
    assert links["#contact_email"] == "{}: {}".format(
        tr(language, "Contact e-mail address"),
        tr(language, "Enter an e-mail address such as name@example.org."))
    assert page.title().startswith(tr(language, "Error:"))
    for field in ("city", "contact_email"):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true"
        described = control.get_attribute("aria-describedby").split()
        assert f"{field}-error" in described
    assert page.locator("input[name=public_name]").input_value() == name  # nothing lost
    # The summary's link leads to the field.
    page.locator(".form-error a[href='#city']").click()
    assert page.url.endswith("#city")

    fill_the_form(applicant, name, city="Vilnius", address=address)
    applicant.follow(page.locator("form.accede-form button[type=submit]"))
    assert applicant.h1() == tr(language, "Check your e-mail")

    # The mailed link (the mail names the configured address: the path is what counts).
    applicant.open(served.link_mailed(address, "/accede/confirm/"))
    assert applicant.h1() == tr(language, "Confirm the application")
    applicant.follow(page.get_by_role("button", name=tr(language, "Confirm")))
    assert applicant.h1() == tr(language, "Application confirmed")

    # The secretariat, logged in with password and TOTP (once, for the whole run).
    desk = audit.tab(browser, replace(run, chosen_by="locale"), who="secretariat",
                     storage_state=staff["secretariat"].state)
    desk.start("/staff", shot="staff-home")
    assert desk.h1() == tr(language, "Staff area")
    desk.follow(desk.page.get_by_role("link", name=tr(language, "Applications to review")))
    desk.follow(desk.page.get_by_role("link", name=name, exact=True))
    assert desk.h1() == name
    desk.follow(desk.page.get_by_role("button", name=tr(language, "Accept")))
    assert desk.page.url == f"{desk.base}/staff/accessions"
    assert desk.page.get_by_role("link", name=name, exact=True).count() == 0

    # In the register, found by name; the badge on its page.
    applicant.follow(page.locator("nav.site-nav a[href='/register']"), shot="register")
    page.locator("input[name=q]").fill(name)
    applicant.follow(page.locator("form.filter-form button[type=submit]"))
    applicant.follow(page.get_by_role("link", name=name, exact=True), shot="signatory")
    assert applicant.h1() == name
    active = tr(language, labels.ACCESSION_STATUS.msgid("active"))
    assert active in page.locator("dl.facts").inner_text()
    image = page.get_by_role("img", name=tr(language, "The badge of %(name)s: verify it",
                                            name=name))
    image.screenshot(path=tmp_path / "badge.png")
    [code] = zxingcpp.read_barcodes(Image.open(tmp_path / "badge.png"))
    path = "/verify/" + code.text.rsplit("/verify/", 1)[1]
    assert image.locator("xpath=..").get_attribute("href") == path
    applicant.open(path, shot="verify-valid")
    verdict = page.locator(".verdict")
    assert tr(language, "Valid: every check holds.") in verdict.inner_text()
    assert tr(language, "The accession is %(status)s now.",
              status=active) in verdict.inner_text()
    audit.assert_clean()
