"""Every staff route, discovered from the app's route table, refuses the anonymous
visitor and every role without its permission, and admits the roles with it.

A new /staff route that declares no permission (and is not one of the few public
ones) fails here, because the guard refuses it to everybody.
"""

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.staff import guards
from registry.staff.permissions import ROLE_PERMISSIONS, Permission, Role
from registry.web import csrf
from tests.staff.helpers import make_member, session_for

# The only staff routes that anyone may reach: the doors into the staff area.
PUBLIC = {
    ("GET", "/staff/login"), ("POST", "/staff/login"),
    ("GET", "/staff/login/code"), ("POST", "/staff/login/code"),
    ("POST", "/staff/logout"),
    ("GET", "/staff/enrol/{token:str}"), ("POST", "/staff/enrol/{token:str}"),
    # A calendar program cannot log in: the feed's secret address is its credential.
    ("GET", "/staff/calendar/{name:str}"),
}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", re.sub(r"\{[^}:]+:int\}", "1", path))


@pytest.fixture
async def sessions(synced) -> dict[Role, str]:
    tokens = {}
    for role in Role:
        member = await make_member(synced, role.value)
        tokens[role] = await session_for(member, synced)
    return tokens


async def test_the_route_table_has_the_staff_routes_we_know(synced):
    app = create_app(synced)
    routes = {(method, path) for method, path, _ in declared(app)}
    assert PUBLIC <= routes
    assert ("GET", "/staff") in routes and ("GET", "/api/v1/staff/me") in routes


def declared(app: Litestar) -> list[tuple[str, str, dict]]:
    found = []
    for route in app.routes:
        if not route.path.startswith(guards.STAFF_PATHS):
            continue
        path = route.path  # with parameter types, e.g. /staff/enrol/{token:str}
        for handler in route.route_handlers:  # type: ignore[union-attr]
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                found.append((method, path, handler.opt))
    return found


async def test_public_staff_routes_are_exactly_the_known_doors(synced):
    public = {(m, p) for m, p, opt in declared(create_app(synced)) if opt.get("public")}
    assert public == PUBLIC


async def test_every_guarded_route_declares_a_permission(synced):
    for method, path, opt in declared(create_app(synced)):
        if not opt.get("public"):
            assert isinstance(opt.get("permission"), Permission), (method, path)


async def form_data(client: AsyncTestClient, method: str) -> dict:
    """A form with the CSRF token of the session the client holds now (a token is bound
    to its session): a page's token is its cookie's value."""
    if method == "GET":
        return {}
    await client.get("/staff/login")  # a form (or, logged in, the staff home's forms)
    return {"data": {"_csrf_token": client.cookies[csrf.COOKIE]}}


async def test_guard_matrix(synced, sessions):
    app = create_app(synced)
    guarded = [(m, p, opt["permission"]) for m, p, opt in declared(app)
               if not opt.get("public")]
    assert len(guarded) >= 5
    async with AsyncTestClient(app=app) as client:
        for method, path, permission in guarded:
            url = concrete(path)
            api = url.startswith("/api/")

            client.cookies.delete(guards.SESSION_COOKIE)
            extra = await form_data(client, method)
            anonymous = await client.request(method, url, follow_redirects=False, **extra)
            if api:
                assert anonymous.status_code == 401, (method, url)
                assert anonymous.json()["status_code"] == 401
            else:
                assert anonymous.status_code == 303, (method, url)
                assert anonymous.headers["location"].startswith("/staff/login?next=")

            for role, session in sessions.items():
                client.cookies.set(guards.SESSION_COOKIE, session)
                extra = await form_data(client, method)
                response = await client.request(method, url, follow_redirects=False, **extra)
                if permission in ROLE_PERMISSIONS[role]:
                    # Admitted: the route answers for itself (a dummy id may be a 404).
                    assert response.status_code not in (401, 403), (method, url, role)
                    assert response.status_code < 500, (method, url, role, response.text[:300])
                else:
                    assert response.status_code == 403, (method, url, role)
                    if api:
                        assert response.json()["detail"] == "Your role does not allow this."
                    else:
                        assert "Your role does not allow this." in response.text


async def test_a_route_without_a_permission_is_refused_to_everybody(synced, sessions):
    """The guard fails closed: shown with a route added only for this test."""
    from litestar import get

    # Registered without naming any guard: the app-wide guard still applies.
    @get("/staff/forgotten", sync_to_thread=False)
    def forgotten() -> str:
        return "should never be seen"

    app = create_app(synced)
    app.register(forgotten)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/staff/forgotten", follow_redirects=False)).status_code == 303
        client.cookies.set(guards.SESSION_COOKIE, sessions[Role.admin])
        response = await client.get("/staff/forgotten")
        assert response.status_code == 403
        assert "declares no permission" in response.text


async def test_head_of_every_guarded_page_is_guarded_too(synced):
    """HEAD answers wherever GET does (web/head.py): on a staff route it is refused like
    the GET, whichever plugin made its handler."""
    app = create_app(synced)
    pages = [path for method, path, opt in declared(app)
             if method == "GET" and not opt.get("public")]
    assert pages
    async with AsyncTestClient(app=app) as client:
        for path in pages:
            response = await client.head(concrete(path), follow_redirects=False)
            assert response.status_code in (303, 401), (path, response.status_code)
            assert not response.content


async def test_public_routes_run_no_staff_guard(synced):
    """The guard is on staff routes only: the public routes, the hottest among them, do
    not pay for it."""
    app = create_app(synced)
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            guarded = guards.staff_guard in handler.resolve_guards()
            assert guarded == route.path.startswith(guards.STAFF_PATHS), route.path
