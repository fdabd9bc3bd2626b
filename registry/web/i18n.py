"""The interface language of a request: chosen from the `lang` cookie set by the
language switch, else from the browser's Accept-Language, else the default.

What is not about HTTP (the catalogues, `N_`, `gettext`, the current language) is in
registry/translation.py; it is re-exported here for the web code and the templates.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from babel import negotiate_locale
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.translation import (
    CODES,
    DEFAULT,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    Language,
    current,
    current_locale,
    gettext,
    ngettext,
    translations,
    using,
)

__all__ = ["CODES", "COOKIE", "DEFAULT", "LANGUAGES", "LOCALE_DIR", "N_", "Language",
           "choose", "current", "current_locale", "gettext", "language_middleware",
           "ngettext", "translations", "using"]

COOKIE = "lang"


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


# Paths whose answers do not depend on the reader's language (registry/badges/controllers.py,
# the static files, the health checks' answers for the supervisor).
SAME_IN_EVERY_LANGUAGE = ("/badges/", "/status/", "/.well-known/", "/static/", "/healthz",
                          "/readyz")


_VARY = b"Accept-Language, Cookie"


def varying(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers saying it varies by the language's cookie and header (on
    the raw list: every page pays for this)."""
    for at, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            if b"accept-language" not in value.lower():
                headers[at] = (name, value + b", " + _VARY if value else _VARY)
            return headers
    headers.append((b"vary", _VARY))
    return headers


def language_of(scope: Scope) -> str:
    """The language a request is answered in (its cookie, else its Accept-Language)."""
    headers = {key: value for key, value in scope["headers"]}
    return choose(
        headers.get(b"cookie", b"").decode("latin-1") or None,
        headers.get(b"accept-language", b"").decode("latin-1") or None,
    )


def language_middleware(app: ASGIApp) -> ASGIApp:
    """Pick the request's language before anything renders; tell caches it varies."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        code = language_of(scope)

        same_in_every_language = scope["path"].startswith(SAME_IN_EVERY_LANGUAGE)

        async def send_with_vary(message: Message) -> None:
            # Pages differ by language: shared caches must key on what chose it. What is
            # the same whoever asks (an image whose language is in its address, a status
            # list, keys, styles) says so, or every reader's language would split the
            # caches of the sites that embed it; its errors still speak the reader's.
            if message["type"] == "http.response.start" and not (
                    same_in_every_language and message["status"] < 400):
                message["headers"] = varying(list(message.get("headers") or ()))
            await send(message)

        with using(code):
            await app(scope, receive, send_with_vary)

    return middleware
