"""The Principles' pages are kept rendered between syncs: the same answer as rendering,
fresh at once after a sync changes a version, per language, bounded, errors never kept."""

from __future__ import annotations

from registry.audit.services import SYSTEM
from registry.principles import services
from registry.web import rendered
from tests.accessions.test_lifecycle import add_version


async def test_a_kept_page_is_the_rendered_one_and_a_sync_makes_it_new(
        client, synced, principles_copy):
    rendered.forget()
    first = await client.get("/principles/1.0/11")
    assert first.status_code == 200 and "status-in-force" in first.text
    again = await client.get("/principles/1.0/11")
    assert again.text == first.text and len(rendered._kept) == 1  # kept, not made again
    assert again.headers["content-type"] == first.headers["content-type"]
    assert "accept-language" in again.headers["vary"].lower()
    # The same page in another language is another page.
    belarusian = await client.get("/principles/1.0/11", headers={"accept-language": "be"})
    assert belarusian.text != first.text and len(rendered._kept) == 2

    add_version(principles_copy)
    await services.sync(principles_copy, actor=SYSTEM)
    after = await client.get("/principles/1.0/11")
    assert "status-superseded" in after.text and "status-in-force" not in after.text
    assert (await client.get("/principles/1.1")).status_code == 200


async def test_errors_are_never_kept_and_the_pages_kept_are_bounded(client, synced):
    rendered.forget()
    assert (await client.get("/principles/1.0/99")).status_code == 404
    assert (await client.get("/principles/9.9")).status_code == 404
    assert rendered._kept == {}
    for n in range(rendered.SIZE + 40):
        assert (await client.get(f"/principles/1.0?seen={n}")).status_code == 200
    assert len(rendered._kept) == rendered.SIZE
    # A download is passed on as it is, never kept as a page.
    download = await client.get("/principles/1.0.json")
    assert download.headers["content-type"].startswith("application/json")
    assert len(rendered._kept) == rendered.SIZE
