"""Journey a: a reader reads the Principles and opens the permanent link of one of them,
in each language, and once with JavaScript off."""

from __future__ import annotations

from tests.browser.conftest import run_params
from tests.browser.harness import Run, tr


@run_params()
def test_reading_the_principles_and_one_permalink(browser, audit, run: Run):
    language = run.language
    reader = audit.tab(browser, run, who="reader")
    page = reader.page
    reader.start("/", shot="home")
    assert reader.h1() == tr(language, "Principles of Human Rights Work in Belarus")

    reader.follow(page.get_by_role("link", name=tr(language, "Read the Principles")))
    assert page.url == f"{reader.base}/principles/1.0"
    headings = page.locator("section.principle h2").all_inner_texts()
    assert len(headings) == 15 and headings[10].startswith("11. Confidentiality")
    # The table of contents jumps to the principle; its heading leads to the permalink.
    page.locator(".toc a[href$='#p11']").first.click()
    assert page.url.endswith("#p11")
    reader.follow(page.locator("#p11 h2 a"), shot="principle")
    assert page.url == f"{reader.base}/principles/1.0/11"
    assert page.locator("#p11-2-3").inner_text() == (
        "other information provided under non-disclosure terms.")
    # The text is the English text of record, marked so; the page around it is not.
    assert page.locator("article.principles-text").get_attribute("lang") == "en"
    assert reader.lang == language
    main = reader.main()
    assert tr(language, "Permanent link:") in main
    assert tr(language, "Principle %(number)s", number=12) in main
    if run.javascript:
        # The stylesheet applied (no CSP block): the pilcrow links are hidden by CSS.
        assert page.locator("#p11-1 .pilcrow").evaluate(
            "e => getComputedStyle(e).visibility") == "hidden"

    # The permanent link is the page's own address, and the pager leads on.
    permalink = page.locator("p.permalink a")
    assert permalink.get_attribute("href") == "/principles/1.0/11"
    reader.follow(page.locator("nav.pager a[rel=next]"))
    assert page.url == f"{reader.base}/principles/1.0/12"
    reader.follow(page.locator("nav.breadcrumbs a[href='/principles']"))
    assert reader.h1()
    audit.assert_clean()
