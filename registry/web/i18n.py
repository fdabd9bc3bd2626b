"""Interface languages: gettext catalogues managed with Babel, chosen per request.

The catalogues are the `.po` files under registry/locale/ (no compiled `.mo` files in
the repository): they are compiled in memory when the process starts. The language comes
from the `lang` cookie set by the language switch, else from the browser's
Accept-Language, else the default.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from gettext import GNUTranslations, NullTranslations
from http.cookies import CookieError, SimpleCookie

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.resources import PACKAGE_DIR

LOCALE_DIR = PACKAGE_DIR / "locale"
COOKIE = "lang"


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


def current() -> str:
    return _current.get()


@contextmanager
def using(code: str) -> Iterator[None]:
    """Speak `code` for a while (rendering a mail in its recipient's language)."""
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


def _accept_language(header: str) -> list[str]:
    weighted = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*":
            weighted.append((-quality, index, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(cookie_header: str | None, accept_language: str | None) -> str:
    if cookie_header:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(cookie_header)
        except CookieError:
            cookie = SimpleCookie()
        chosen = cookie.get(COOKIE)
        if chosen is not None and chosen.value in CODES:
            return chosen.value
    if accept_language:
        preferred = _accept_language(accept_language)
        found = negotiate_locale(preferred, list(CODES), sep="-") or negotiate_locale(
            [tag.split("-")[0] for tag in preferred], list(CODES)
        )
        if found:
            return found
    return DEFAULT


def language_middleware(app: ASGIApp) -> ASGIApp:
    """Pick the request's language before anything renders; tell caches it varies."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {key: value for key, value in scope["headers"]}
        code = choose(
            headers.get(b"cookie", b"").decode("latin-1") or None,
            headers.get(b"accept-language", b"").decode("latin-1") or None,
        )

        async def send_with_vary(message: Message) -> None:
            # Pages differ by language: shared caches must key on what chose it.
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).extend_header_value(
                    "vary", "Accept-Language, Cookie")
            await send(message)

        token = _current.set(code)
        try:
            await app(scope, receive, send_with_vary)
        finally:
            _current.reset(token)

    return middleware
