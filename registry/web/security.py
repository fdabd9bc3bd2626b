"""Security headers on every response, static files and errors included.

Litestar's app-level `response_headers` skip static files, so this is a `before_send`
hook, which sees every response start (see LIBRARY-NOTES.md).
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

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


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value
    # Only over HTTPS (directly, or as a trusted proxy reports): HSTS over plain HTTP is
    # ignored by browsers and would be a lie in the development server.
    if scope.get("scheme") == "https":
        headers["strict-transport-security"] = HSTS
