"""Security headers on every response, static files and errors included.

Litestar's app-level `response_headers` skip static files, so this is a `before_send`
hook, which sees every response start (see LIBRARY-NOTES.md).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from litestar.exceptions import ClientException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.web.i18n import N_

# Nothing from any other host, no inline script, no framing: pages work without
# JavaScript, and a hostile page cannot embed ours.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=63072000; includeSubDomains"


_ENCODED = [(name.encode(), value.encode()) for name, value in HEADERS.items()]
_HSTS = (b"strict-transport-security", HSTS.encode())


async def add_security_headers(message: Message, scope: Scope) -> None:
    """On the raw header list: every response pays for this, the hottest ones included."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or ())
    present = {name.lower() for name, _value in headers}
    headers.extend(pair for pair in _ENCODED if pair[0] not in present)
    # Only over HTTPS (directly, or as a trusted proxy reports): HSTS over plain HTTP is
    # ignored by browsers and would be a lie in the development server.
    if scope.get("scheme") == "https":
        headers = [pair for pair in headers if pair[0].lower() != _HSTS[0]]
        headers.append(_HSTS)
    message["headers"] = headers


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BYTE = re.compile(rb"[\x00-\x1f\x7f]")


def has_control_character(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    if b"%" in query:
        query = unquote_to_bytes(query)
    return bool(_CONTROL.search(scope["path"]) or _CONTROL_BYTE.search(query))


def reject_control_characters(app: ASGIApp) -> ASGIApp:
    """A path or query with a control character (a NUL above all) is refused with a 400
    before any handler sees it: PostgreSQL cannot hold a NUL in text, and no id, search
    or filter of ours has one."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and has_control_character(scope):
            raise ClientException(N_("The address contains a control character."))
        await app(scope, receive, send)

    return middleware
