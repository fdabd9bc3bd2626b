"""CSRF tokens bound to the staff session.

Litestar's signed double-submit cookie, with the staff session cookie the browser holds
signed into the token (OWASP's "signed double-submit cookie" with the session): a token
and cookie taken from one session, and planted in a browser that holds another, are
refused. A visitor with no session gets a token bound to none, as before; a safe request
whose cookie is not bound to the session it comes with (the visitor just logged in or
out) gets a new one. Over HTTPS the cookie is named `__Host-csrftoken`, so that no other
host (a sibling subdomain) can set it.

The cookie is set on a visitor's first page, whatever it is, so that two forms opened
at once from it (two tabs) carry the same token. Pages the same for every reader and
without a form (the Principles', kept rendered and answered before routing, see
web/fast.py) say `opt={EXCLUDE: True}` and set none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from registry.settings import Settings
from registry.staff import guards

COOKIE = "csrftoken"
FAILURE = "CSRF token verification failed"  # the words registry/web/errors.py looks for
MAX_TOKEN = 200
EXCLUDE = "exclude_from_csrf"  # Litestar's CSRFConfig.exclude_from_csrf_key, its default


class SessionBoundCSRFMiddleware(CSRFMiddleware):
    def __init__(self, app: ASGIApp, config: CSRFConfig, session_cookie: str) -> None:
        super().__init__(app, config)
        self.session_cookie = session_cookie

    def _signature(self, nonce: str, session: str) -> str:
        message = f"{nonce}:{hashlib.sha256(session.encode()).hexdigest()}"
        return hmac.new(self.config.secret.encode(), message.encode(),
                        hashlib.sha256).hexdigest()

    def new_token(self, session: str) -> str:
        nonce = secrets.token_hex(CSRF_SECRET_LENGTH // 2)
        return nonce + self._signature(nonce, session)

    def bound(self, token: str | None, session: str) -> bool:
        """Whether `token` was made here for this session (or for none, if none)."""
        if not token or len(token) > MAX_TOKEN or not token.isascii():
            return False
        nonce, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return hmac.compare_digest(signature, self._signature(nonce, session))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
                scope=scope, scopes=self.scopes,
                exclude_opt_key=self.config.exclude_from_csrf_key,
                exclude_path_pattern=self.exclude):
            await self.app(scope, receive, send)
            return
        request: Any = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session = request.cookies.get(self.session_cookie) or ""
        cookie = request.cookies.get(self.config.cookie_name)
        if not self.bound(cookie, session):
            cookie = None
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            token = state.csrf_token = cookie or self.new_token(session)
            await self.app(scope, receive, self.create_send_wrapper(
                send=send, csrf_cookie=cookie, token=token))
            return
        sent = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not sent and content_type in {RequestEncodingType.URL_ENCODED,
                                         RequestEncodingType.MULTI_PART}:
            sent = (await request.form()).get("_csrf_token")
        if not (cookie and isinstance(sent, str)
                and hmac.compare_digest(sent.encode("utf-8", "replace"), cookie.encode())):
            raise PermissionDeniedException(FAILURE)
        state.csrf_token = sent
        await self.app(scope, receive, send)


def middleware(config: CSRFConfig, settings: Settings) -> DefineMiddleware:
    """The CSRF middleware for the app, its cookie named for the site's scheme (`config`
    says what is excluded)."""
    config.cookie_name = guards.cookie_name(COOKIE, settings)
    config.cookie_path, config.cookie_domain = "/", None
    config.exclude_from_csrf_key = EXCLUDE
    return DefineMiddleware(SessionBoundCSRFMiddleware, config=config,
                            session_cookie=guards.cookie_name(guards.SESSION_COOKIE, settings))
