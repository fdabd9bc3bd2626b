"""The Principles over HTTP: pages, downloads and the JSON API give the same text."""

import hashlib
import html
import json
import shutil
from pathlib import Path

from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.audit.services import SYSTEM
from registry.principles import services
from registry.principles.document import load_all
from tests.conftest import PRINCIPLES
from tests.principles.test_sync import edit

SOURCE = load_all(PRINCIPLES)[0]
TEXT = SOURCE.record.document
HASH = TEXT.content_hash()


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


async def test_version_page_shows_all_fifteen_principles_and_the_hash(client: AsyncTestClient):
    response = await client.get("/principles/1.0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = html.unescape(response.text)
    for principle in TEXT.principles:
        assert f"{principle.number}. {principle.title}" in page
        for paragraph in principle.paragraphs:
            assert paragraph.text in page
    assert HASH in page
    assert 'id="p15-2"' in response.text and 'id="fn1"' in response.text


async def test_principle_11_has_its_own_page_with_the_list_of_confidential_information(
    client: AsyncTestClient,
):
    response = await client.get("/principles/1.0/11")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "<h1 id=\"p11\">11. Confidentiality and protection of personal data</h1>" in page
    assert 'id="p11-2-1">the fact of applying for assistance;' in page
    assert 'id="p11-2-3">other information provided under non-disclosure terms.' in page
    assert "Principle 10" in page and "Principle 12" in page  # previous / next
    assert "2. Non-discrimination" not in page  # only this principle
    first = await client.get("/principles/1.0/1")
    assert "Principle 0" not in first.text and "Principle 2" in first.text


async def test_home_and_index_point_to_the_version_in_force(client: AsyncTestClient):
    home = await client.get("/")
    assert home.status_code == 200 and 'href="/principles/1.0"' in home.text and HASH in home.text
    index = await client.get("/principles")
    assert index.status_code == 200 and "In force" in index.text and HASH in index.text


async def test_api_returns_the_same_text_and_a_hash_that_recomputes(client: AsyncTestClient):
    listing = (await client.get("/api/v1/principles")).json()
    assert [(v["version"], v["status"], v["content_hash"]) for v in listing] == [
        ("1.0", "in_force", HASH)]
    response = await client.get("/api/v1/principles/1.0")
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "en" and body["text_of_record"] == "en"
    assert hashlib.sha256(canonical(body["content"])).hexdigest() == body["content_hash"] == HASH
    eleven = body["content"]["principles"][10]
    assert eleven["title"] == "Confidentiality and protection of personal data"
    assert eleven["paragraphs"][1]["items"] == list(TEXT.principles[10].paragraphs[1].items)
    assert body["in_force_from"] and body["texts"][0]["official"] is True


async def test_downloads_are_the_canonical_bytes_and_markdown(client: AsyncTestClient):
    raw = await client.get("/principles/1.0.json")
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
    assert hashlib.sha256(raw.content).hexdigest() == HASH
    assert "attachment" in raw.headers["content-disposition"]
    markdown = await client.get("/principles/1.0.md")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "## 11. Confidentiality and protection of personal data" in markdown.text
    assert "- other information provided under non-disclosure terms." in markdown.text
    assert "[^1]: The Belarusian Human Rights Movement Strategy." in markdown.text
    assert HASH in markdown.text


async def test_openapi_document_lists_the_api(client: AsyncTestClient):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/principles" in paths and "/api/v1/principles/{version}" in paths
    assert not any(path.startswith("/principles") for path in paths)  # pages stay out


async def test_comparison_page_shows_changed_words(settings, principles_copy: Path):
    new = principles_copy / "1.1"
    shutil.copytree(principles_copy / "1.0", new)
    (new / "version.toml").write_text('version = "1.1"\nstatus = "draft"\n'
                                      'text_of_record = "en"\n')
    edit(new / "en.toml", 'title = "Professionalism"', 'title = "Competence"')
    edit(new / "en.toml", "make no profit", "make no private profit")
    await services.sync(principles_copy, actor=SYSTEM)
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/principles/compare?from=1.0&to=1.1")
        assert response.status_code == 200
        assert "2 passages differ." in response.text
        assert "<del>Professionalism</del><ins>Competence</ins>" in response.text
        assert "no<ins> private</ins> profit" in response.text
        assert "Principle 12, title" in response.text and "Principle 11" not in response.text
        same = await client.get("/principles/compare?from=1.0&to=1.0")
        assert "identical" in same.text
        draft = await client.get("/principles/1.1")
        assert "This is a draft" in draft.text
        missing = await client.get("/principles/compare?from=1.0&to=7.7")
        assert missing.status_code == 404


async def test_a_translation_is_labelled_and_chosen_by_the_reader(settings, principles_copy):
    text = (principles_copy / "1.0" / "en.toml").read_text(encoding="utf-8")
    (principles_copy / "1.0" / "ru.toml").write_text(
        text.replace('language = "en"', 'language = "ru"').replace(
            "official = true", "official = false"), encoding="utf-8")
    await services.sync(principles_copy, actor=SYSTEM)
    async with AsyncTestClient(app=create_app(settings)) as client:
        russian_reader = await client.get("/principles/1.0",
                                          headers={"accept-language": "ru"})
        assert 'lang="ru"' in russian_reader.text
        asked = await client.get("/principles/1.0?text=ru")
        assert "unofficial translation" in asked.text
        api = (await client.get("/api/v1/principles/1.0?language=ru")).json()
        assert api["language"] == "ru" and api["content"]["language"] == "ru"
        assert api["content_hash"] == HASH  # the version's hash is the text of record's
        assert (await client.get("/principles/1.0?text=de")).status_code == 404
        assert (await client.get("/api/v1/principles/1.0?language=de")).status_code == 404
