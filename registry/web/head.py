"""`HEAD` wherever `GET` works: the same status and headers, no body (RFC 9110 §9.3.2).

Litestar answers HEAD only where a route declares it (and its static files leave out the
Content-Type there), and refuses it with a 405 before any app middleware runs: the
router chooses the handler by method, and app middleware wraps each handler. So this
plugin gives every route that takes GET a HEAD entry of its own as routes are
registered (the 405's `Allow` then names HEAD too). That entry is the GET handler with
one more middleware, the innermost: it turns the HEAD into a GET (every layer outside
it, CSRF and the guards among them, still sees a HEAD, a safe method) and drops the
body of the answer, so the status and headers (Content-Type, Content-Length, ETag) are
those a GET would get. An answer given before any route is chosen (a 404 for an
unknown address) loses its body in the `before_send` hook.
"""

from __future__ import annotations

import copy
from typing import cast

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol, ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def head_as_get(app: ASGIApp) -> ASGIApp:
    """The GET route answers; what it sends goes out without its body."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        as_get = cast("Scope", {**scope, "method": "GET"})
        await app(as_get, receive, without_body)

    return middleware


async def drop_head_body(message: Message, scope: Scope) -> None:
    """A `before_send` hook: the answer to a HEAD carries no body, wherever it comes from."""
    if (message["type"] == "http.response.body" and scope.get("method") == "HEAD"
            and message.get("body")):
        message["body"] = b""


class HeadLikeGet(InitPluginProtocol, ReceiveRoutePlugin):
    """Register with `Litestar(plugins=[HeadLikeGet()])`."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.before_send = [*app_config.before_send, drop_head_body]
        return app_config

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        handlers = route.route_handler_map
        if "GET" not in handlers:
            return
        get, parameters = handlers["GET"]
        # Where a HEAD handler exists already (Litestar's static files: no Content-Type
        # on HEAD) it gives way too: the registry has no HEAD handler of its own.
        # The same handler, left out of the OpenAPI document (HEAD is implied by GET
        # there, and would otherwise repeat the GET operation's id).
        head = copy.copy(get)
        head._resolved_include_in_schema = False
        head.middleware = [*(get.middleware or []), head_as_get]  # the innermost
        handlers["HEAD"] = (head, parameters)
        route.methods.add("HEAD")
