"""The staff list of signatories: by name, 50 a page, in a number of queries that does
not grow with the register, with links to the other pages that work without
JavaScript."""

from __future__ import annotations

import re

from registry.accessions import lifecycle, supersession
from registry.accessions.holders import holder
from tests.benchmarks.staff_list import QueryCounter, seed_signatories
from tests.factories import staff_get, staff_session

ROW = re.compile(r'<tr><td><a href="/staff/signatories/([a-z0-9]+)">([^<]+)</a>')


def rows_of(html: str) -> list[tuple[str, str]]:
    return ROW.findall(html)


async def test_the_list_comes_in_pages_of_fifty_by_name(client, synced):
    names = await seed_signatories(120)
    staff = await staff_session(synced, "secretariat")
    seen: list[str] = []
    for number in (1, 2, 3):
        page = await staff_get(client, staff, f"/staff/signatories?page={number}")
        assert page.status_code == 200
        rows = rows_of(page.text)
        assert len(rows) == (50 if number < 3 else 20), number
        seen += [name for _, name in rows]
        assert f"Page {number} of 3" in page.text
        # Plain links to the neighbours, the current page marked for assistive technology.
        assert f'href="/staff/signatories?page={number}" aria-current="page"' in page.text
        assert (f'href="/staff/signatories?page={number + 1}" rel="next"' in page.text) == (
            number < 3)
        assert (f'href="/staff/signatories?page={number - 1}" rel="prev"' in page.text) == (
            number > 1)
    assert seen == sorted(names, key=str.casefold)  # each once, in order across pages
    # Past the last page is the last; a page number that is not one is refused.
    beyond = await staff_get(client, staff, "/staff/signatories?page=99")
    assert beyond.status_code == 200 and rows_of(beyond.text)[-1][1] == seen[-1]
    assert (await staff_get(client, staff, "/staff/signatories?page=0")).status_code == 400
    assert (await staff_get(client, staff, "/staff/signatories?page=x")).status_code == 400


async def test_a_page_takes_the_same_queries_however_many_signatories(client, synced):
    await seed_signatories(60, prefix="a")
    staff = await staff_session(synced, "secretariat")
    await staff_get(client, staff, "/staff/signatories")  # the session's first use
    with QueryCounter() as small:
        assert (await staff_get(client, staff, "/staff/signatories")).status_code == 200
    await seed_signatories(240, prefix="b", seed=7)
    with QueryCounter() as large:
        page = await staff_get(client, staff, "/staff/signatories?page=4")
    assert page.status_code == 200 and len(rows_of(page.text)) == 50
    assert small.count == large.count <= 12, (small.count, large.count)


async def test_a_page_shows_what_each_signatory_own_page_shows(client, synced):
    """The page reads its signatories together; each view is the one read alone."""
    await seed_signatories(75)
    for number in (1, 2):
        page = await lifecycle.staff_list(number)
        assert page.pages == 2 and page.total == 75 and page.number == number
        for view in page.views:
            alone = lifecycle._staff_view(await holder(view.public_id),
                                          await supersession.in_force())
            assert view == alone
    assert any(v.persecuted_since for v in (await lifecycle.staff_list(1)).views)
    assert any(v.reaffirm_due for v in (await lifecycle.staff_list(2)).views)
