"""The hottest public answers, given before Litestar routes the request.

`/healthz` (asked every few seconds by every supervisor and proxy), the badge images
(embedded on other sites, asked by every reader of every page that shows one, mostly as
a conditional request answered 304) and the pages of the Principles once rendered (the
same for every reader of a language until the next sync, web/rendered.py) touch no
session, form or cookie. Through the router, the language, session and CSRF middleware
and the handler's signature they cost half again a bare route; here they are answered
from the app's own send (so the `before_send` hooks still add the security headers and
drop a HEAD's body), with the same response objects the routes build.

Only a request this front is sure of is answered here: GET or HEAD, an address of
exactly the route's form, no query but a plain `lang=` for an image, nothing a control
character could hide in; for an image, only one that exists; for a page, only one kept
rendered for this address and language at the counter's present value. And a POST to
the verify API is answered as the route answered the same body before, while the route
said it may be (web/kept_answers.py). Everything else (an unknown
badge, a malformed name, any other query) goes on to the routes, which answer it as
before, in the reader's language. tests/web/test_fast.py checks that every answer given
here is the one the routes give, byte for byte.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from litestar import MediaType
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.badges import controllers, services
from registry.web import health, i18n, kept_answers, rendered, security

if TYPE_CHECKING:
    from litestar import Litestar

    from registry.settings import Settings

log = logging.getLogger("registry.web")
_IMAGE = re.compile(r"/badges/(?P<badge>[A-Za-z0-9_-]{1,40})\.(?P<kind>svg|png)")
_QUERY = re.compile(rb"(?:lang=(?P<lang>[a-z]{0,8}))?")


# Where pages kept rendered live (web/rendered.py): the Principles' pages.
KEPT_PAGES = ("/principles/",)


def _page(html: bytes) -> ASGIApp:
    """A kept page as the route answers it (`Response(html, media_type=HTML)`), with
    the language variation the language middleware adds to pages."""
    response = ASGIResponse(body=html, media_type=MediaType.HTML)

    async def varying(scope: Scope, receive: Receive, send: Send) -> None:
        async def with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = i18n.varying(list(message.get("headers") or ()))
            await send(message)

        await response(scope, receive, with_vary)

    return varying


_header = kept_answers.header


def install(app: Litestar) -> None:
    """Put the front before the app's own handler (inside Litestar's entry point, which
    sets the scope's app and wraps `send` in the `before_send` hooks)."""
    app.asgi_handler = Front(app.asgi_handler, app.state.settings)


class Front:
    """An ASGI app: the answers above, else `routes` (the app's own handler)."""

    def __init__(self, routes: ASGIApp, settings: Settings) -> None:
        self.routes, self.settings = routes, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method") if scope["type"] == "http" else None
        if method == "POST" and scope["path"] in kept_answers.PATHS:
            await kept_answers.answer(scope, receive, send, self.routes, site=(
                self.settings.database_url, self.settings.base_url))
            return
        response: ASGIApp | None = None
        if method in ("GET", "HEAD"):
            try:
                response = await self._response(scope)
            except Exception:  # the database, say: the routes answer, with their errors
                log.debug("the front passes %s on", scope["path"], exc_info=True)
        await (response or self.routes)(scope, receive, send)

    async def _response(self, scope: Scope) -> ASGIApp | None:
        """The answer to a GET or HEAD, if it is one of those above."""
        path, query = scope["path"], scope.get("query_string", b"")
        if path == "/healthz" and not query:
            return health.HEALTHY
        if security.has_control_character(scope):
            return None
        if path.startswith(KEPT_PAGES):
            html = await rendered.kept(self.settings.database_url, scope,
                                       i18n.language_of(scope))
            return _page(html) if html is not None else None
        image = _IMAGE.fullmatch(path)
        asked = _QUERY.fullmatch(query) if image else None
        if image is None or asked is None:
            return None
        lang = asked["lang"]
        found = await services.badge_images(image["badge"], self.settings,
                                            lang.decode("ascii") if lang is not None else "")
        if found is None:
            return None
        return controllers.image_response(found, image["kind"],
                                          _header(scope, b"if-none-match"))
