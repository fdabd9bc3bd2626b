"""Translatable strings, whatever shows them: a page, a mail, a refusal, the command line.

The catalogues are the `.po` files under registry/locale/ (no compiled `.mo` files in
the repository): they are compiled in memory when the process starts. `N_` marks a
string for the catalogues where it is written; it is translated where it is shown, in
the current language (`using` sets it for a while; the web chooses it per request, in
registry/web/i18n.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from gettext import GNUTranslations, NullTranslations

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from registry.resources import PACKAGE_DIR

LOCALE_DIR = PACKAGE_DIR / "locale"


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str


LANGUAGES = (
    Language("en", "English"),
    Language("be", "Беларуская"),
    Language("ru", "Русский"),
)
CODES = tuple(language.code for language in LANGUAGES)
DEFAULT = "en"

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


@cache
def translations(code: str) -> NullTranslations:
    path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


def N_(message: str) -> str:
    """Mark a string for the catalogues; it is translated later, where it is shown."""
    return message


class Plural(str):
    """A message that names a count ("within %(days)s days"): the string is its singular
    (the msgid), `plural` its English plural, `counted` the value that holds the number.
    Translated with `ngettext` (`say`), so that each language picks its own form
    (Belarusian and Russian have three)."""

    plural: str
    counted: str

    def __new__(cls, singular: str, plural: str, counted: str) -> Plural:
        made = super().__new__(cls, singular)
        made.plural = plural
        made.counted = counted
        return made


def NP_(singular: str, plural: str, counted: str = "count") -> Plural:
    """Mark a message with its plural for the catalogues (`pybabel extract -k NP_:1,2`);
    `counted` names the value that holds the number."""
    return Plural(singular, plural, counted)


def current() -> str:
    return _current.get()


@contextmanager
def using(code: str) -> Iterator[None]:
    """Speak `code` for a while (a request, or a mail in its recipient's language)."""
    token = _current.set(code if code in CODES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def current_locale() -> Locale:
    return Locale.parse(current())


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def say(message: str, values: Mapping[str, object] | None = None,
        translate: Callable[[str], str] | None = None) -> str:
    """The message translated (by `translate`, else in the current language), a Plural
    in the form its count asks for; the values are put in after, by the caller."""
    translate = translate or gettext
    if isinstance(message, Plural):
        count = (values or {}).get(message.counted, 1)
        number = count if isinstance(count, int) else 1
        if translate is gettext:
            return ngettext(message, message.plural, number)
        owner = getattr(translate, "__self__", None)  # a catalogue's own gettext
        if isinstance(owner, NullTranslations):
            return owner.ngettext(message, message.plural, number)
        return str(message) if number == 1 else message.plural  # as written: English
    return translate(message)
