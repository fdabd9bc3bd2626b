"""Who may reach staff routes.

`session_middleware` finds the staff member behind the session cookie on staff paths.
`staff_guard`, which `GuardStaffRoutes` puts on every route under the staff paths as it is
registered, admits a visitor to a staff route only if it is marked public (login,
enrolment) or the member holds the one permission the route declares in
`opt["permission"]`. A route that declares nothing is refused to everybody: a new staff
route cannot be open by mistake. (On the staff routes only, not the whole app: Litestar
copies the route's handler for each guard it runs, which the hottest public routes paid
for on every request.)
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from registry.settings import Settings
from registry.staff import login
from registry.staff.permissions import Permission
from registry.translation import N_

SESSION_COOKIE = "staff_session"
PENDING_COOKIE = "staff_login"
# Left by a complete login: the browser's own allowance of failures (login.py).
DEVICE_COOKIE = "staff_device"
STAFF_PATHS = ("/staff", "/api/v1/staff")


def cookie_name(base: str, settings: Settings) -> str:
    # Over HTTPS, the __Host- prefix makes browsers refuse the cookie unless it is
    # Secure, host-only and for the whole site.
    return f"__Host-{base}" if settings.secure_cookies else base


def read_cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return None
            if name in jar:
                return jar[name].value
    return None


def session_middleware(settings: Settings):  # type: ignore[no-untyped-def]
    name = cookie_name(SESSION_COOKIE, settings)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"].startswith(STAFF_PATHS):
                token = read_cookie(scope, name)
                principal = (await login.authenticate(token, settings=settings)
                             if token else None)
                scope.setdefault("state", {})["staff"] = principal
            await app(scope, receive, send)

        return middleware

    return factory


def current_staff(connection: ASGIConnection) -> login.StaffPrincipal | None:
    return connection.scope.get("state", {}).get("staff")


async def staff_guard(connection: ASGIConnection, route_handler: BaseRouteHandler) -> None:
    """On every staff route (`GuardStaffRoutes`), so one cannot be added without it.
    Async: Litestar would run a plain function in a thread, on every request."""
    if not connection.scope["path"].startswith(STAFF_PATHS) or route_handler.opt.get("public"):
        return
    principal = current_staff(connection)
    if principal is None:
        raise NotAuthorizedException(N_("Log in to see this page."))
    permission = route_handler.opt.get("permission")
    if not isinstance(permission, Permission):
        raise PermissionDeniedException(
            N_("This page declares no permission, so nobody may see it."))
    if permission not in principal.permissions:
        raise PermissionDeniedException(N_("Your role does not allow this."))


class GuardStaffRoutes(ReceiveRoutePlugin):
    """Puts `staff_guard` first on every handler of every route under the staff paths,
    as the route is registered (`Litestar(plugins=[GuardStaffRoutes()])`, and
    `app.register` later). Every method's handler is guarded, HEAD's copy of GET's too,
    whichever plugin made it."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(STAFF_PATHS):
            return
        for handler, _parameters in route.route_handler_map.values():
            if staff_guard not in (handler.guards or ()):
                handler.guards = [staff_guard, *(handler.guards or ())]
                handler._resolved_guards = Empty  # resolved again, with it
