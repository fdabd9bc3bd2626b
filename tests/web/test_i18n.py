"""The interface language: from the switch, else the browser, else English."""

import pytest
from litestar.testing import AsyncTestClient

from registry.web import i18n


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("be-BY,be;q=0.9,en;q=0.5", "be"), ("ru-RU", "ru"), ("de,fr;q=0.8", "en"),
     ("de, ru;q=0.4, be;q=0.7", "be"), ("*", "en"), ("", "en"), ("garbage;;q=x,,", "en")],
)
async def test_browser_language_is_used(client: AsyncTestClient, accept: str, expected: str):
    response = await client.get("/principles/1.0/1", headers={"accept-language": accept})
    assert f'<html lang="{expected}">' in response.text


async def test_responses_say_they_vary_by_language(client: AsyncTestClient):
    response = await client.get("/principles/1.0")
    assert "Accept-Language" in response.headers["vary"]
    assert "Cookie" in response.headers["vary"]


async def test_the_switch_sets_a_cookie_that_wins_over_the_browser(client: AsyncTestClient):
    response = await client.get("/language/ru?next=/principles/1.0/11", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/principles/1.0/11"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=ru;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await client.get("/principles/1.0/11", headers={"accept-language": "be"})
    assert '<html lang="ru">' in page.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)", " /x"])
async def test_the_switch_never_redirects_off_site(client: AsyncTestClient, target: str):
    response = await client.get("/language/be", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_every_catalogue_loads_and_english_is_the_identity():
    for code in i18n.CODES:
        assert i18n.translations(code) is not None
    assert i18n.translations("en").gettext("The Principles") == "The Principles"


@pytest.mark.parametrize(
    ("code", "words"),
    [("be", ["Прынцыпы праваабарончай дзейнасці ў Беларусі", "Чытаць Прынцыпы"]),
     ("ru", ["Принципы правозащитной деятельности в Беларуси", "Читать Принципы"])],
)
async def test_pages_speak_the_chosen_language(client: AsyncTestClient, code, words):
    home = await client.get("/", headers={"accept-language": code})
    for word in words:
        assert word in home.text
    missing = await client.get("/principles/1.0/16", headers={"accept-language": code})
    assert missing.status_code == 404 and ("1 да 15" if code == "be" else "1 до 15") in missing.text


def test_catalogues_are_complete_and_up_to_date(tmp_path):
    """Every marked string is in the template catalogue, and translated in be and ru."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    from tests.conftest import REPO

    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(REPO / "babel.cfg"), "-k", "N_", "-k", "NP_:1,2",
        "--no-location", "--omit-header", "-o", str(fresh), str(REPO)])
    with fresh.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert extracted == committed, "run `make messages` to update the catalogues"
    for code in ("be", "ru"):
        with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalogue = read_po(handle)
        untranslated = [m.id for m in catalogue if m.id and not (
            all(m.string) if isinstance(m.string, tuple) else m.string)]
        assert {m.id for m in catalogue if m.id} == committed
        assert not untranslated, (code, untranslated)


@pytest.mark.parametrize("code", ["be", "ru"])
async def test_an_unknown_address_answers_in_the_readers_language(client: AsyncTestClient,
                                                                  code: str):
    """No route is found before any middleware runs: the error page still speaks the
    reader's language, chosen by the cookie as by the browser."""
    with i18n.using(code):
        expected = i18n.gettext("There is nothing at this address.")
    assert expected != "There is nothing at this address."
    for headers in ({"accept-language": code}, {"cookie": f"lang={code}"}):
        response = await client.get("/no/such/page", headers=headers)
        assert response.status_code == 404
        assert f'<html lang="{code}">' in response.text and expected in response.text
        assert "Accept-Language" in response.headers["vary"]
    api = await client.get("/api/v1/no/such", headers={"accept-language": code})
    assert api.status_code == 404 and api.json()["detail"] == expected


async def test_a_belarusian_or_russian_reader_is_told_the_principles_are_english_only(
        client: AsyncTestClient, synced):
    english = ("The Principles exist only in English so far: they are shown here in English. "
               "The English text is the text of record.")
    for path in ("/principles/1.0", "/principles/1.0/3"):
        for code in ("be", "ru"):
            with i18n.using(code):
                notice = i18n.gettext(english)
            page = await client.get(path, headers={"cookie": f"lang={code}"})
            assert notice in page.text and f'lang="{code}">{notice}' in page.text
        assert english not in (await client.get(path, headers={"cookie": "lang=en"})).text


def test_translations_keep_every_placeholder():
    """A translation that loses or renames `%(name)s` would break, or say less."""
    import re

    from babel.messages.pofile import read_po

    placeholder = re.compile(r"%\([a-z_]+\)[sd]")
    for code in ("be", "ru"):
        with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (
                message.string,)
            wanted = set(placeholder.findall(ids[-1])) | set(placeholder.findall(ids[0]))
            for string in strings:
                if string:
                    assert set(placeholder.findall(string)) <= wanted, (code, message.id)
                    assert set(placeholder.findall(string)) >= set(
                        placeholder.findall(ids[0])) - {"%(num)d"}, (code, message.id)
