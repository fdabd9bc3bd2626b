"""Bodies that cannot be decoded get a 400 (a 413 when too large) in words, never a 500,
on every route that takes a body: JSON under /api/, the error page elsewhere.

The routes come from the app's own route table, so a new route is covered the day it
is added. The client is a staff member holding every role, with a good CSRF token, so
that each body really reaches the point where it is decoded.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.settings import Settings
from tests.staff.helpers import csrf_token, login_over_http, make_member

METHODS = ("POST", "PUT", "PATCH", "DELETE")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
LIMIT = 1024 * 1024  # request_max_body_size in registry/app.py

# Bodies that no content type makes decodable: each is sent as JSON and as a form.
BROKEN: dict[str, bytes] = {
    "malformed JSON": b'{"contact_email": "a@example.org", ',
    "deeply nested arrays": b"[" * 5000,
    "deeply nested arrays, closed": b"[" * 5000 + b"]" * 5000,
    "deeply nested objects": b'{"a":' * 5000,
    "deeply nested objects, closed": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "latin-1 JSON": '{"contact_email": "café@example.org"}'.encode("latin-1"),
    "latin-1 form": "contact_email=café@example.org".encode("latin-1"),
    "percent-encoded latin-1 form": b"contact_email=caf%E9%40example.org",
    "UTF-16 JSON": '{"contact_email": "a@example.org"}'.encode("utf-16"),
    "NUL bytes": b"\x00" * 64,
    "empty": b"",
}
TOO_LARGE = b"a=" + b"x" * LIMIT
# A good body of the other kind: JSON sent to a form route, a form sent to a JSON route.
JSON_BODY = b'{"contact_email": "a@example.org", "token": "xxxxxxxxxxxxxxxx"}'
FORM_BODY = b"contact_email=a%40example.org&token=xxxxxxxxxxxxxxxx"
BROKEN_MULTIPART = (b"--boundary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                    b"\xe9\xe9 no end")


def _fill(route: HTTPRoute) -> str:
    path = route.path
    for parameter in route.path_parameters.values():
        value = "1" if parameter.type is int else "x"
        path = path.replace("{" + parameter.full + "}", value)
    return path


def _takes(handler: Any) -> str | None:
    """What the handler decodes its body as: "json", "form", "multipart", or nothing."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    media_type = getattr(data.kwarg_definition, "media_type", None)
    return {RequestEncodingType.URL_ENCODED: "form",
            RequestEncodingType.MULTI_PART: "multipart"}.get(media_type, "json")


def body_routes(app: Litestar) -> list[tuple[str, str, str | None, int]]:
    """(method, path, what it takes, its body limit) for every route handler that accepts
    a body (a route that takes evidence allows more than the app's 1 MB)."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(set(handler.http_methods) & set(METHODS)):
                found.append((method, _fill(route), _takes(handler),
                              handler.resolve_request_max_body_size() or LIMIT))
    return sorted(found)


def _cases(takes: str | None, limit: int = LIMIT) -> list[tuple[str, str, bytes, int]]:
    cases = [(f"{name} as {kind}", content_type, body, 400)
             for name, body in BROKEN.items()
             for kind, content_type in (("JSON", JSON), ("a form", FORM))]
    too_large = TOO_LARGE if limit == LIMIT else b"a=" + b"x" * limit
    cases += [(f"too large as {kind}", content_type, too_large, 413)
              for kind, content_type in (("JSON", JSON), ("a form", FORM))]
    if takes == "form":
        cases.append(("JSON to a form route", JSON, JSON_BODY, 400))
    if takes == "json":
        cases.append(("a form to a JSON route", FORM, FORM_BODY, 400))
    if takes in ("form", "multipart"):
        cases.append(("broken multipart", "multipart/form-data; boundary=boundary",
                      BROKEN_MULTIPART, 400))
        cases.append(("multipart without a boundary", "multipart/form-data",
                      BROKEN_MULTIPART, 400))
    return cases


def _check(response: Any, path: str, status: int, case: str) -> None:
    where = f"{case} to {path}: {response.status_code}"
    assert response.status_code == status, where
    assert "Traceback" not in response.text, where
    if path.startswith("/api/"):
        assert response.headers["content-type"] == "application/json", where
        body = response.json()
        assert body["status_code"] == status, where
        assert isinstance(body["detail"], str) and len(body["detail"].split()) >= 3, where
    else:
        assert response.headers["content-type"].startswith("text/html"), where
        assert '<section class="error">' in response.text, where
        assert '<p class="detail">' in response.text, where  # what was wrong, in words


@pytest.fixture
async def staff_client(synced: Settings) -> Any:
    """A client logged in as staff with every role, and its CSRF token."""
    member = await make_member(synced, "secretariat", "panel_member", "panel_chair", "admin")
    async with AsyncTestClient(app=create_app(synced)) as client:
        await login_over_http(client, member)
        home = await client.get("/staff")
        assert home.status_code == 200
        yield client, csrf_token(home.text)


def test_the_route_table_has_routes_of_each_kind(settings):
    routes = body_routes(create_app(settings))
    takes = {taken for _, _, taken, _ in routes}
    assert {"json", "form", None} <= takes
    assert len(routes) >= 30


async def test_no_undecodable_body_gets_a_500_on_any_route(staff_client, settings):
    client, token = staff_client
    failures = []
    for method, path, takes, limit in body_routes(create_app(settings)):
        for case, content_type, body, status in _cases(takes, limit):
            response = await client.request(method, path, content=body, headers={
                "content-type": content_type, "x-csrftoken": token})
            try:
                _check(response, path, status, case)
            except AssertionError as failure:
                failures.append(str(failure).splitlines()[0])
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])


async def test_the_refusal_is_in_the_readers_language(staff_client):
    client, token = staff_client
    page = await client.post("/accede/confirm/xxxxxxxxxxxx", content=b"[" * 5000, headers={
        "content-type": JSON, "x-csrftoken": token, "accept-language": "ru"})
    assert page.status_code == 400
    assert '<html lang="ru">' in page.text and "Неверный запрос" in page.text
    assert "Тело запроса имеет слишком глубокую вложенность." in page.text
    form = await client.post("/accede/resend", content=JSON_BODY, headers={
        "content-type": JSON, "x-csrftoken": token, "accept-language": "be"})
    assert form.status_code == 400 and "Гэты адрас прымае форму" in form.text
    api = await client.post("/api/v1/accessions/resend", content=b"[" * 5000, headers={
        "content-type": JSON, "x-csrftoken": token})
    assert api.status_code == 400
    assert api.json() == {"status_code": 400,
                          "detail": "The body of the request is nested too deeply."}
    large = await client.post("/api/v1/accessions/resend", content=TOO_LARGE, headers={
        "content-type": JSON, "x-csrftoken": token})
    assert large.status_code == 413
    assert large.json()["detail"] == "The body of the request is larger than this address accepts."


def test_depth_counts_brackets_outside_strings_only():
    from registry.web.bodies import nested_deeper_than

    assert not nested_deeper_than(b'{"a": [[1], {"b": "[[[[[[[[[[\\"[[[["}]}', 3)
    assert nested_deeper_than(b'{"a": [[1], {"b": [[[]]]}]}', 3)
    assert nested_deeper_than(b"[" * 5000, 32) and not nested_deeper_than(b"", 0)


async def test_good_bodies_with_brackets_in_their_strings_still_pass(client):
    text = "[" * 5000 + '{"' * 100
    response = await client.post("/api/v1/accessions/resend", json={"contact_email": text})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The request is not valid")  # validation
    good = await client.post("/api/v1/accessions/resend",
                             json={"contact_email": "someone@example.org"})
    assert good.status_code == 202
