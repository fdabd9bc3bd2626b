"""The country list (registry/countries.py): real countries and territories only, named
and sorted in the reader's language; the form accepts exactly these codes."""

from __future__ import annotations

import html
import re

import icu
import pytest
from babel import Locale
from pydantic import ValidationError

from registry import countries
from registry.accessions.schemas import AccessionForm, country_codes
from tests.accessions.test_submission import FORM

NOT_COUNTRIES = {"XA", "XB", "QO", "EU", "EZ", "UN", "ZZ", "AC", "CP", "CQ", "DG", "EA",
                 "IC", "TA"}


def test_only_real_countries_and_territories():
    assert countries.CODES == country_codes()
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in countries.CODES)
    assert not NOT_COUNTRIES & countries.CODES
    assert {"BY", "LT", "PL", "GE", "DE", "UA", "XK", "PS", "TW", "AQ"} <= countries.CODES
    assert len(countries.CODES) == 249 + 1  # ISO 3166-1's assigned codes, and Kosovo
    # Every one of them is a territory CLDR names, in every language of the registry.
    for language in ("en", "be", "ru"):
        names = dict(countries.choices(language))
        assert set(names) == countries.CODES
        assert all(names[code] != code for code in names), language


@pytest.mark.parametrize("code", ["XK", "BY", "by"])
def test_the_form_accepts_a_listed_code(code: str):
    assert AccessionForm.model_validate({**FORM, "country": code}).country == code.upper()


@pytest.mark.parametrize("code", sorted(NOT_COUNTRIES | {"001", "150", "Q", ""}))
def test_the_form_refuses_what_is_not_a_country(code: str):
    with pytest.raises(ValidationError):
        AccessionForm.model_validate({**FORM, "country": code})


def test_names_are_in_the_language_and_the_order_its_readers_expect():
    be = [name for _code, name in countries.choices("be")]
    ru = [name for _code, name in countries.choices("ru")]
    en = [name for _code, name in countries.choices("en")]
    assert be.index("Беларусь") < be.index("Германія") < be.index("Літва") < be.index("Польшча")
    assert ru.index("Беларусь") < ru.index("Германия") < ru.index("Литва") < ru.index("Польша")
    assert en.index("Belarus") < en.index("Georgia") < en.index("Germany") < en.index("Poland")
    # Belarusian: і stands where и would (after з, before й and к); ё is a letter of its
    # own after е, and ў after у (CLDR's tailoring; a plain Unicode sort gets these wrong).
    first = {name[0].lower() for name in be}
    assert "и" not in first and "і" in first
    letters = [name[0].lower() for name in be]
    assert letters.index("з") < letters.index("і") < letters.index("к")
    key = countries.sort_key("be")
    assert sorted(["ўа", "уб", "ф"], key=key) == ["уб", "ўа", "ф"]
    assert sorted(["ёа", "еб", "ж"], key=key) == ["еб", "ёа", "ж"]
    assert be.index("Аўстралія") > be.index("Астравы Кука")  # ў after у, so after с
    # Russian: Ё sorts as Е (ж before л), not before А as its code point would; in
    # Belarusian it is a letter after Е.
    assert sorted(["Ель", "Ёж", "Ая"], key=countries.sort_key("ru")) == ["Ая", "Ёж", "Ель"]
    assert sorted(["Ель", "Ёж", "Ая"], key=countries.sort_key("be")) == ["Ая", "Ель", "Ёж"]
    # The whole list follows the language's collation.
    for language, names in (("be", be), ("ru", ru), ("en", en)):
        collator = icu.Collator.createInstance(icu.Locale(language))
        assert names == sorted(names, key=collator.getSortKey), language
    assert be != sorted(be)  # a code-point sort would differ: the collation matters


def test_belarus_and_the_usual_countries_of_exile_come_first():
    for language in ("en", "be", "ru"):
        first, every = countries.groups(language)
        codes = [code for code, _name in first.choices]
        assert codes[0] == "BY" and set(codes) == set(countries.FIRST)
        assert len(every.choices) == len(countries.CODES)


@pytest.mark.parametrize(("code", "belarus", "lithuania"),
                         [("en", "Belarus", "Lithuania"), ("be", "Беларусь", "Літва"),
                          ("ru", "Беларусь", "Литва")])
async def test_the_accession_form_lists_the_countries_in_the_readers_language(
        client, synced, code, belarus, lithuania):
    page = (await client.get("/accede", headers={"accept-language": code})).text
    select = page[page.index('<select id="country"'):]
    select = select[:select.index("</select>")]
    options = [(value, html.unescape(name)) for value, name in re.findall(
        r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', select)]
    assert options[0] == ("BY", belarus) and (("LT", lithuania) in options)
    assert len(options) == len(countries.CODES) + len(countries.FIRST)
    assert select.count("<optgroup") == 2
    for shown in ("Pseudo", "Outlying Oceania", "European Union", "Eurozone", "world",
                  "United Nations", "Unknown Region"):
        assert shown not in select
    names = [name for _code, name in options[len(countries.FIRST):]]
    assert names == [name for _c, name in countries.choices(code)]
    assert Locale.parse(code).territories["LT"] == lithuania
