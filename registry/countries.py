"""The countries and territories a signatory may name, for people: the codes the form
accepts, their names in the reader's language, in that language's alphabetical order.

The codes are ISO 3166-1 alpha-2, curated here once rather than taken from what Babel
(CLDR) happens to list, which also holds regions ("world", "Outlying Oceania"), unions
(EU, EZ, UN), pseudo-locales for testing (XA, XB), "Unknown Region" (ZZ) and numeric
regions. What is in:

- the 249 officially assigned codes, inhabited or not (Antarctica, Bouvet Island and
  the like are few lines, and a code that exists should not be refused);
- XK, Kosovo: user-assigned in ISO 3166-1, but the code the EU, CLDR, banks and most
  registries use, and a country many of the states where Belarusians work in exile
  recognise.

What is out, and why: the "exceptionally reserved" codes name places that lie within
an assigned code and would give one place two codes in the register: AC (Ascension)
and TA (Tristan da Cunha) are part of SH, DG (Diego Garcia) of IO, EA (Ceuta, Melilla)
and IC (the Canary Islands) of ES, CP (Clipperton) of FR, CQ (Sark) of GG. Someone
there chooses the assigned code, as ISO 3166-2 counts them.

Names are CLDR's, in the page's language (Babel, `Locale(language).territories`).
They are sorted with ICU's collation for that language (PyICU, from the pyicu-wheels
wheels): the CLDR tailorings that say, for Belarusian, that ё follows е and ў follows у
as letters of their own, and і stands where и would (after з); a code-point sort gets
even Russian wrong (Ё before А).

Belarus, and the countries where Belarusian organisations most often work in exile,
come first in a group of their own (`FIRST`), then every country again in alphabetical
order: most applicants are in one of them, and a long list should not make them scroll
past Afghanistan to find Belarus; a country in the first group is also where a reader
looks for it alphabetically.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import icu
from babel import Locale

from registry import translation
from registry.formats import FORMAT_LOCALES
from registry.translation import N_

_ASSIGNED = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE
    BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
    CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
    GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
    TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
CODES: frozenset[str] = frozenset(_ASSIGNED.split()) | {"XK"}
# Belarus, then the usual countries of exile (shown in alphabetical order after it).
FIRST = ("BY", "LT", "PL", "GE", "DE")
FIRST_GROUP = N_("Belarus and the usual countries of exile")
ALL_GROUP = N_("All countries and territories")


@dataclass(frozen=True)
class Group:
    label: str  # a msgid
    choices: tuple[tuple[str, str], ...]  # (code, name), in alphabetical order


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {code: territories.get(code, code) for code in CODES}


@cache
def sort_key(language: str) -> Callable[[str], bytes]:
    """The language's alphabetical order (ICU's collation for it), as a sort key."""
    collator = icu.Collator.createInstance(icu.Locale(FORMAT_LOCALES.get(language,
                                                                          language)))
    return collator.getSortKey


def name(code: str | None, language: str | None = None) -> str:
    """A country's name in the language (the current one); an unknown code as it is."""
    if not code:
        return ""
    language = language or translation.current()
    known = _names(language).get(code.upper())
    if known is not None:
        return known
    return Locale.parse(language).territories.get(code.upper(), code)


@cache
def choices(language: str) -> tuple[tuple[str, str], ...]:
    """Every country, (code, name), in the language's alphabetical order."""
    key = sort_key(language)
    return tuple(sorted(_names(language).items(), key=lambda pair: (key(pair[1]), pair[0])))


@cache
def _groups(language: str) -> tuple[Group, ...]:
    key = sort_key(language)
    names = _names(language)
    first = (FIRST[0], *sorted(FIRST[1:], key=lambda code: key(names[code])))
    return (Group(FIRST_GROUP, tuple((code, names[code]) for code in first)),
            Group(ALL_GROUP, choices(language)))


def groups(language: str | None = None) -> tuple[Group, ...]:
    """The select's groups: Belarus and the usual countries of exile, then all."""
    return _groups(language or translation.current())
