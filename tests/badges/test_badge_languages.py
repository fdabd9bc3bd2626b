"""The badge image in the language its address names (`?lang=en|be|ru`), English by
default: every word translated with that language's catalogue and never the reader's
(the image is cached publicly, so it depends on its address only), drawn once per change
in every language, and drawn again once when a language's words change; the embed
snippet and the API offer the languages."""

import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from gettext import NullTranslations

import pytest
import zxingcpp
from PIL import Image

from registry.accessions import lifecycle
from registry.audit.services import SYSTEM
from registry.badges import images
from registry.badges import services as badge_services
from registry.badges.tables import Badge, BadgeImage
from registry.changes import counters
from registry.translation import translations
from tests.accessions.test_lifecycle import accepted
from tests.accessions.test_submission import FORM
from tests.badges.test_badges import badge_of

SVG = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("en", "be", "ru")


def parsed(response) -> ET.Element:
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)  # noqa: S314 - our own output: well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def title(root: ET.Element) -> str:
    return root.find(f"{SVG}title").text


def said(language: str, msgid: str) -> str:
    return translations(language).gettext(msgid)


async def image_rows(badge_id: str) -> dict[str, dict]:
    rows = await BadgeImage.select(BadgeImage.language, BadgeImage.rendered_at,
                                   BadgeImage.etag, BadgeImage.wording).where(
        BadgeImage.badge.badge_id == badge_id)
    return {row["language"]: row for row in rows}


def as_a_new_process() -> None:
    """Forget what this process has in memory, as a process started after a deploy."""
    badge_services._cache.entries.clear()
    images.wording.cache_clear()


@pytest.fixture(autouse=True)
def _forget_after():
    yield
    as_a_new_process()  # a catalogue replaced by a test is not remembered after it


def principles_line(root: ET.Element) -> str:
    return " ".join(t.text for t in root.iter(f"{SVG}text") if t.get("font-size") == "10")


@pytest.fixture
def drawn(monkeypatch) -> list[tuple[str, str]]:
    """Every image drawn from now on: (kind, language)."""
    calls: list[tuple[str, str]] = []
    svg, png = images.svg, images.png

    def counting_svg(shown, language="en"):
        calls.append(("svg", language))
        return svg(shown, language)

    def counting_png(shown, language="en", scale=2):
        calls.append(("png", language))
        return png(shown, language, scale)

    monkeypatch.setattr(images, "svg", counting_svg)
    monkeypatch.setattr(images, "png", counting_png)
    return calls


# --- The language of an image ----------------------------------------------------------

async def test_the_image_speaks_the_language_its_address_names(client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    path = f"/badges/{badge['badge_id']}"
    etags = {}
    for language in LANGUAGES:
        response = await client.get(f"{path}.svg?lang={language}")
        root = parsed(response)
        assert root.get(XML_LANG) == language and root.get("lang") == language
        assert response.headers["content-language"] == language
        shown = texts(root)
        # The status in its label's words, in capitals; the header; the Principles line.
        assert said(language, "active").upper() in shown
        assert said(language, images.HEADER) in shown
        assert principles_line(root) == said(language, images.VERSION_LINE) % {
            "version": "1.0"}
        assert FORM["public_name"] in shown  # the name as given, in every language
        assert FORM["public_name"] in title(root) and badge["verify_url"] in title(root)
        assert said(language, "active") in title(root)
        png = await client.get(f"{path}.png?lang={language}")
        assert png.headers["content-type"] == "image/png"
        assert png.headers["content-language"] == language
        [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        assert code.text == badge["verify_url"]
        etags[language] = (response.headers["etag"], png.headers["etag"])
    # Each language is a different image, with an ETag of its own.
    assert len({tag for pair in etags.values() for tag in pair}) == 6
    # The status labels are in the catalogues: Belarusian and Russian words are shown.
    for language in ("be", "ru"):
        assert said(language, "active") != "active"
        assert "ACTIVE" not in texts(parsed(await client.get(f"{path}.svg?lang={language}")))
    # English is the default, the same image as ?lang=en.
    default = await client.get(f"{path}.svg")
    assert default.headers["etag"] == etags["en"][0]
    assert parsed(default).get(XML_LANG) == "en" and "ACTIVE" in texts(parsed(default))
    # A cached image in one language is not good for another.
    again = await client.get(f"{path}.svg?lang=be", headers={"if-none-match": etags["en"][0]})
    assert again.status_code == 200
    same = await client.get(f"{path}.svg?lang=be", headers={"if-none-match": etags["be"][0]})
    assert same.status_code == 304 and same.headers["etag"] == etags["be"][0]


@pytest.mark.parametrize(("asked", "language"), [
    ("de", "en"), ("", "en"), ("EN", "en"), ("BE", "be"), ("be-BY", "be"), ("ru_RU", "ru"),
    ("x" * 500, "en"), ("../../be", "en"), ("be;ru", "en"), ("<script>", "en"),
    ("%00", "en"), ("\x00", None), ("en-be", "en"), ("ru ", "ru"),
])
async def test_an_unknown_or_malformed_language_is_english_never_a_broken_image(
        client, synced, asked, language):
    """An image on someone's website must not break over its address: a language the
    registry does not speak, or nonsense, gets the English image (the default)."""
    badge = await badge_of(client, await accepted(client, synced))
    path = f"/badges/{badge['badge_id']}.svg"
    response = await client.get(path, params={"lang": asked})
    if language is None:  # a control character is refused before any handler, as anywhere
        assert response.status_code == 400
        return
    expected = await client.get(path, params={"lang": language})
    assert response.status_code == 200
    assert response.headers["etag"] == expected.headers["etag"]
    assert response.content == expected.content
    assert parsed(response).get(XML_LANG) == language


async def test_a_language_asked_twice_is_still_an_image(client, synced):
    """`?lang=ru&lang=be`: the last one, as Litestar reads a repeated parameter."""
    badge = await badge_of(client, await accepted(client, synced))
    path = f"/badges/{badge['badge_id']}.svg"
    response = await client.get(f"{path}?lang=ru&lang=be")
    assert response.status_code == 200 and parsed(response).get(XML_LANG) == "be"


async def test_the_language_never_comes_from_the_browser_or_a_cookie(client, synced):
    """The response is cached publicly by address: what the reader's browser prefers, or
    the registry's language cookie, must not change it."""
    badge = await badge_of(client, await accepted(client, synced))
    path = f"/badges/{badge['badge_id']}.svg"
    english = await client.get(path)
    for headers in ({"accept-language": "be"}, {"cookie": "lang=ru"},
                    {"accept-language": "ru", "cookie": "lang=be"}):
        response = await client.get(path, headers=headers)
        assert response.content == english.content
        assert response.headers["etag"] == english.headers["etag"]
        assert response.headers["content-language"] == "en"
        russian = await client.get(f"{path}?lang=ru", headers=headers)
        assert parsed(russian).get(XML_LANG) == "ru"
        assert "set-cookie" not in response.headers
        assert "max-age=60" in response.headers["cache-control"]
        assert response.headers["cache-control"].startswith("public")
        assert response.headers["access-control-allow-origin"] == "*"


async def test_an_image_says_it_varies_by_nothing_but_its_address(client, synced):
    badge = await badge_of(client, await accepted(client, synced))
    response = await client.get(f"/badges/{badge['badge_id']}.svg?lang=be")
    vary = response.headers.get("vary", "").lower()
    assert "accept-language" not in vary and "cookie" not in vary
    for path in ("/status/suspension", "/.well-known/jwks.json", "/static/registry.css"):
        vary = (await client.get(path)).headers.get("vary", "").lower()
        assert "accept-language" not in vary and "cookie" not in vary, path
    # An unknown badge's refusal is in the reader's language, and says it varies by it.
    missing = await client.get("/badges/nothing-here.svg", headers={"accept-language": "be"})
    assert missing.status_code == 404 and "accept-language" in missing.headers["vary"].lower()
    # Pages still vary by language.
    assert "accept-language" in (await client.get("/register")).headers["vary"].lower()


# --- Words -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["be", "ru"])
async def test_every_word_on_the_image_is_translated(client, synced, language):
    """Compared with the catalogue, and required to differ from English: this fails while
    a word on the image has no Belarusian or Russian translation."""
    msgids = [images.HEADER, images.UNLISTED, images.VERSION_LINE, images.TITLE,
              badge_services.EMBED_ALT, *(words for words, _ in images.STATUS_LOOK.values())]
    missing = [m for m in msgids if said(language, m) == m]
    assert not missing, f"no {language} translation of {missing}"

    listed = await badge_of(client, await accepted(client, synced))
    root = parsed(await client.get(f"/badges/{listed['badge_id']}.svg?lang={language}"))
    assert principles_line(root) == said(language, images.VERSION_LINE) % {"version": "1.0"}
    assert title(root) == said(language, images.TITLE) % {
        "name": FORM["public_name"], "status": said(language, "active"), "version": "1.0",
        "url": listed["verify_url"]}
    unlisted = await badge_of(client, await accepted(
        client, synced, listing="unlisted", public_name="Other", legal_name="Other",
        contact_email="other@example.org"))
    shown = texts(parsed(await client.get(f"/badges/{unlisted['badge_id']}.svg",
                                          params={"lang": language})))
    assert said(language, images.UNLISTED) in shown and "Unlisted signatory" not in shown
    # A superseded accession's badge still stands, in words of its own.
    superseded = images.lines(images.Shown(name=None, version="1.0", status="superseded",
                                           verify_url=listed["verify_url"]), language)
    assert superseded.words == said(language, images.STATUS_LOOK["superseded"][0]).upper()


async def test_the_name_given_is_never_translated(client, synced):
    """Even a name that happens to be a msgid of the catalogue stays as it was given."""
    name = "Principles Registry"
    badge = await badge_of(client, await accepted(client, synced, public_name=name))
    for language in LANGUAGES:
        root = parsed(await client.get(f"/badges/{badge['badge_id']}.svg?lang={language}"))
        assert root.find(f"{SVG}g/{SVG}text[@font-size='17']").text == name
        assert title(root).startswith(f"{name}: ")


def test_status_words_fit_in_every_language():
    """All six statuses in the three languages: the status fits its pill and the
    Principles line its two lines, with nothing cut (the catalogues as they are)."""
    for language in LANGUAGES:
        for status in images.STATUS_LOOK:
            for name in ("Вясна", None, "Беларуская асацыяцыя журналістаў " * 3):
                shown = images.Shown(name=name, version="1.10", status=status,
                                     verify_url="https://registry.example.org/verify/x")
                lines = images.lines(shown, language)
                words = translations(language).gettext(images.STATUS_LOOK[status][0])
                assert lines.words == words.upper(), (language, status)
                assert lines.words_size >= 10
                assert images._font(True, lines.words_size).getlength(lines.words) + 20 \
                    <= images.TEXT_WIDTH
                assert lines.pill <= images.TEXT_WIDTH
                assert all("…" not in line for line, _ in lines.version)
                assert "1.10" in lines.version[-1][0], lines.version
                for line, _ in lines.version:
                    assert images._font(False, 10).getlength(line) <= images.TEXT_WIDTH
                assert images._font(True, 17).getlength(lines.name) <= images.TEXT_WIDTH
                assert images._font(False, 12).getlength(lines.header) \
                    <= images.TEXT_WIDTH - 24


def test_long_words_are_made_smaller_then_wrapped_then_shortened():
    assert images.fit_smaller("ACTIVE", bold=True, sizes=(12, 11, 10), width=200) == (
        "ACTIVE", 12)
    long = "АКТЫЎНАЕ · ДЗЕЙНІЧАЕ НОВАЯ ВЕРСІЯ"
    text, size = images.fit_smaller(long, bold=True, sizes=(12, 11, 10), width=232)
    assert text == long and size < 12
    text, size = images.fit_smaller(long * 2, bold=True, sizes=(12, 11, 10), width=232)
    assert text.endswith("…") and size == 10
    # Two lines, never a one-letter word at the end of the first.
    lines = images.wrap("Прынцыпы праваабарончай дзейнасці ў Беларусі, v1.0", bold=False,
                        size=10, width=252)
    assert lines == ("Прынцыпы праваабарончай дзейнасці", "ў Беларусі, v1.0")
    assert images.wrap("Short, v1.0", bold=False, size=10, width=252) == ("Short, v1.0",)
    assert images.wrap("word " * 200, bold=False, size=10, width=252)[-1].endswith("…")


def test_a_translation_that_lost_its_placeholder_falls_back_to_english(monkeypatch):
    """An image is drawn inside a status change: a slip in a catalogue must not make a
    suspension fail."""

    class Broken(NullTranslations):
        def gettext(self, message):
            return {images.VERSION_LINE: "Прынцыпы, %(версія)s",
                    images.TITLE: "%(name)s %(status)s %"}.get(message, message)

    monkeypatch.setattr(images, "translations", lambda code: Broken())
    shown = images.Shown(name="X", version="1.0", status="active", verify_url="https://e/v")
    lines = images.lines(shown, "be")
    assert lines.version[0][0] == "Principles of Human Rights Work in Belarus, v1.0"
    assert lines.title.startswith("X: active. Principles version 1.0.")
    assert images.png(shown, "be").startswith(b"\x89PNG")


# --- Drawn once per change, and once more when the words change --------------------------

async def test_serving_never_draws_and_a_change_draws_every_language_once(
        client, synced, drawn):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    assert sorted(drawn) == sorted((kind, language) for kind in ("svg", "png")
                                   for language in LANGUAGES)  # at the acceptance
    drawn.clear()
    for _ in range(3):
        for language in LANGUAGES:
            for kind in ("svg", "png"):
                assert (await client.get(f"/badges/{badge['badge_id']}.{kind}",
                                         params={"lang": language})).status_code == 200
    assert drawn == []
    await lifecycle.suspend(signatory, until=datetime.now(UTC) + timedelta(days=30),
                            decision="P-1", actor=SYSTEM, settings=synced)
    assert len(drawn) == 6
    drawn.clear()
    for language in LANGUAGES:
        words = texts(parsed(await client.get(f"/badges/{badge['badge_id']}.svg",
                                              params={"lang": language})))
        assert said(language, "suspended").upper() in words
    assert drawn == []
    assert len(await BadgeImage.select().where(
        BadgeImage.badge.badge_id == badge["badge_id"])) == 3


async def test_a_badge_from_before_languages_gets_them_on_the_first_request(
        client, synced, drawn):
    """As after the migration: a badge with no image rows. The first request for each
    language draws it, once, and keeps it; nothing else is drawn; other requests read
    what was kept."""
    badge = await badge_of(client, await accepted(client, synced))
    row = await Badge.select(Badge.id).where(Badge.badge_id == badge["badge_id"]).first()
    await BadgeImage.delete().where(BadgeImage.badge == row["id"])
    as_a_new_process()
    drawn.clear()
    path = f"/badges/{badge['badge_id']}"
    be = await client.get(f"{path}.png?lang=be")
    assert be.status_code == 200 and be.headers["content-language"] == "be"
    assert sorted(drawn) == [("png", "be"), ("svg", "be")]
    assert set(await image_rows(badge["badge_id"])) == {"be"}
    for _ in range(2):
        assert parsed(await client.get(f"{path}.svg?lang=be")).get(XML_LANG) == "be"
        as_a_new_process()  # another process reads the row, and draws nothing
    assert len(drawn) == 2
    assert parsed(await client.get(f"{path}.svg")).get(XML_LANG) == "en"
    assert parsed(await client.get(f"{path}.svg?lang=ru")).get(XML_LANG) == "ru"
    assert set(await image_rows(badge["badge_id"])) == set(LANGUAGES)
    assert len(drawn) == 6
    # A badge that does not exist is not drawn, nor written.
    assert (await client.get("/badges/no-such-badge.svg?lang=be")).status_code == 404
    assert (await client.get("/badges/no-such-badge.png")).status_code == 404
    assert len(drawn) == 6


async def test_a_catalogue_translated_later_reaches_the_images_of_its_language_only(
        client, synced, drawn, monkeypatch):
    """The catalogue engineer translates a word after the images were drawn: the next
    process draws that language again on its first request for it, once."""
    badge = await badge_of(client, await accepted(client, synced))
    before = await image_rows(badge["badge_id"])
    path = f"/badges/{badge['badge_id']}.svg"
    old = {language: (await client.get(path, params={"lang": language})).headers["etag"]
           for language in LANGUAGES}
    real = images.translations

    class Translated(NullTranslations):
        def gettext(self, message):
            if message == images.HEADER:
                return "Рэестр (новы пераклад)"
            return real("be").gettext(message)

    monkeypatch.setattr(images, "translations",
                        lambda code: Translated() if code == "be" else real(code))
    as_a_new_process()
    drawn.clear()
    be = await client.get(path, params={"lang": "be"})
    assert "Рэестр (новы пераклад)" in texts(parsed(be))
    assert be.headers["etag"] != old["be"]
    for language in ("en", "ru"):
        assert (await client.get(path, params={"lang": language})).headers["etag"] == \
            old[language]
    assert sorted(drawn) == [("png", "be"), ("svg", "be")]
    after = await image_rows(badge["badge_id"])
    assert after["be"]["rendered_at"] > before["be"]["rendered_at"]
    assert after["en"]["rendered_at"] == before["en"]["rendered_at"]
    assert after["ru"]["rendered_at"] == before["ru"]["rendered_at"]


async def test_images_drawn_from_what_has_changed_since_are_drawn_again_in_every_language(
        client, synced, drawn):
    """What the images show changed without them (here: the digest of what they are
    drawn from is no longer the badge's): the first request draws every language, and
    every process is told."""
    badge = await badge_of(client, await accepted(client, synced))
    await Badge.update({Badge.shown: "0" * 64}).where(Badge.badge_id == badge["badge_id"])
    as_a_new_process()
    drawn.clear()
    moved = await counters.current(badge_services.CHANGES)
    assert (await client.get(f"/badges/{badge['badge_id']}.svg?lang=ru")).status_code == 200
    assert len(drawn) == 6
    assert await counters.current(badge_services.CHANGES) > moved
    assert len(await image_rows(badge["badge_id"])) == 3
    drawn.clear()
    for language in LANGUAGES:
        await client.get(f"/badges/{badge['badge_id']}.png?lang={language}")
    assert drawn == []


# --- Offered: the embed snippet, the pages, the API -------------------------------------

def snippet(page: str) -> str:
    found = re.search(r'<textarea id="embed"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found[1])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_embed_snippet_is_in_the_language_of_the_page(client, synced, language):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    page = await client.get(f"/register/{signatory}", headers={"cookie": f"lang={language}"})
    assert page.status_code == 200 and f'<html lang="{language}">' in page.text
    html_ = snippet(page.text)
    base = synced.base_url.rstrip("/")
    src = re.search(r'<img src="([^"]+)"', html_)[1]
    assert src == f"{base}/badges/{badge['badge_id']}.svg?lang={language}"  # always said
    assert f'<a href="{base}/verify/{badge["badge_id"]}">' in html_
    alt = html.unescape(re.search(r'alt="([^"]+)"', html_)[1])
    assert alt == said(language, badge_services.EMBED_ALT) % {"name": FORM["public_name"]}
    assert "<script" not in html_
    # The snippet's image answers in its language.
    embedded = await client.get(src.removeprefix(base))
    assert parsed(embedded).get(XML_LANG) == language
    # The hint tells how to change it, and the snippet's field points to it.
    assert 'aria-describedby="embed-language"' in page.text
    hint = re.search(r'<p id="embed-language" class="hint">(.*?)</p>', page.text, re.S)[1]
    assert f"lang={language}" in html.unescape(hint)
    # The page's own image is in its language too; English at the plain address.
    image = re.search(r'<img src="(/badges/[^"]+)"', page.text)[1]
    assert image == (f"/badges/{badge['badge_id']}.svg" if language == "en"
                     else f"/badges/{badge['badge_id']}.svg?lang={language}")
    verify = await client.get(f"/verify/{badge['badge_id']}",
                              headers={"cookie": f"lang={language}"})
    assert re.search(r'<img src="(/badges/[^"]+)"', verify.text)[1] == image


async def test_the_api_lists_the_images_in_every_language(client, synced):
    badge = await badge_of(client, await accepted(client, synced))
    base = synced.base_url.rstrip("/")
    assert badge["images"] == {kind: f"{base}/badges/{badge['badge_id']}.{kind}"
                               for kind in ("svg", "png")}
    assert set(badge["images_by_language"]) == set(LANGUAGES)
    for language, urls in badge["images_by_language"].items():
        assert set(urls) == {"svg", "png"}
        for kind, url in urls.items():
            assert url == f"{base}/badges/{badge['badge_id']}.{kind}?lang={language}"
            response = await client.get(url.removeprefix(base))
            assert response.status_code == 200
            assert response.headers["content-language"] == language
