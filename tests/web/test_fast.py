"""The front (registry/web/fast.py) answers /healthz and the badge images before any
routing: every answer it gives is the one the routes give, byte for byte, header for
header, and whatever it is not sure of goes on to the routes."""

from __future__ import annotations

import json

import pytest
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.badges.tables import Badge
from registry.web import fast
from tests.accessions.test_lifecycle import accepted


def answer(response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((name.lower(), value) for name, value in response.headers.multi_items()
                     if name.lower() != "date")
    return response.status_code, headers, response.content


def without_front(app):
    assert isinstance(app.asgi_handler, fast.Front)
    app.asgi_handler = app.asgi_handler.routes
    return app


async def refuse(scope, receive, send) -> None:
    raise AssertionError(f"went on to the routes: {scope['method']} {scope['path']}")


@pytest.fixture
async def badge(client, synced) -> tuple[str, str]:
    await accepted(client, synced)
    row = await Badge.select(Badge.badge_id).first()
    etag = (await client.get(f"/badges/{row['badge_id']}.svg")).headers["etag"]
    return row["badge_id"], etag


def requests(badge_id: str, etag: str) -> list[tuple[str, str, dict[str, str]]]:
    png_etag = etag.replace("-svg", "-png")
    asked = []
    for method in ("GET", "HEAD"):
        asked += [(method, "/healthz", {}), (method, "/healthz", {"accept-language": "be"})]
        for kind in ("svg", "png"):
            for query in ("", "?lang=be", "?lang=ru", "?lang=en", "?lang=xx", "?lang="):
                url = f"/badges/{badge_id}.{kind}{query}"
                asked += [(method, url, {}), (method, url, {"cookie": "lang=ru"}),
                          (method, url, {"if-none-match": "*"}),
                          (method, url, {"if-none-match": f'"x", W/{png_etag}, {etag}'}),
                          (method, url, {"if-none-match": '"something-else"'})]
    return asked


# Addresses the front leaves to the routes: the routes answer them as before.
PASSED_ON = ["/healthz?verbose=1", "/badges/nobadge.svg", "/badges/{badge}.gif",
             "/badges/{badge}.svg?lang=be&x=1", "/badges/{badge}.svg?lang=BE",
             "/badges/{badge}.svg?lang=%00", "/badges/{badge}", "/badges/.svg"]


async def test_every_answer_of_the_front_is_the_routes_answer(synced, badge):
    badge_id, etag = badge
    async with AsyncTestClient(app=create_app(synced)) as front, AsyncTestClient(
            app=without_front(create_app(synced))) as routes:
        for method, url, headers in requests(badge_id, etag):
            given = answer(await front.request(method, url, headers=headers))
            assert given == answer(await routes.request(method, url, headers=headers)), (
                method, url, headers)
            assert given[0] in (200, 304)
            assert ("content-security-policy" in dict(given[1])), url  # the hooks ran
        for url in PASSED_ON:
            url = url.format(badge=badge_id)
            assert answer(await front.get(url)) == answer(await routes.get(url)), url


async def test_the_front_answers_without_the_routes_and_passes_on_the_rest(synced, badge):
    badge_id, etag = badge
    app = create_app(synced)
    app.asgi_handler.routes = refuse
    async with AsyncTestClient(app=app) as client:
        for method, url, headers in requests(badge_id, etag):
            response = await client.request(method, url, headers=headers)
            assert response.status_code in (200, 304), (method, url)
        for url in PASSED_ON:
            with pytest.raises(AssertionError, match="went on to the routes"):
                await client.get(url.format(badge=badge_id))
        with pytest.raises(AssertionError, match="went on to the routes"):
            await client.post("/healthz")


PAGES = ["/principles/1.0", "/principles/1.0/3", "/principles/1.0?text=en"]
READERS = [{}, {"accept-language": "be"}, {"accept-language": "ru-RU,ru;q=0.9"},
           {"cookie": "lang=be"}, {"cookie": "lang=ru", "accept-language": "en"}]


async def test_a_kept_page_is_the_routes_page_in_every_language(synced):
    from registry.web import rendered

    rendered.forget()
    async with AsyncTestClient(app=create_app(synced)) as front, AsyncTestClient(
            app=without_front(create_app(synced))) as routes:
        for url in PAGES:
            for headers in READERS:
                made = answer(await routes.get(url, headers=headers))  # renders, keeps
                assert made[0] == 200
                for method in ("GET", "HEAD"):
                    given = answer(await front.request(method, url, headers=headers))
                    assert given == answer(await routes.request(method, url, headers=headers))
                    assert ("vary", "Accept-Language, Cookie") in given[1]
                assert answer(await front.get(url, headers=headers)) == made
        be = (await front.get("/principles/1.0", headers={"cookie": "lang=be"})).text
        en = (await front.get("/principles/1.0")).text
        assert be != en and 'lang="be"' in be and 'lang="en"' in en


async def test_only_a_kept_page_is_answered_without_the_routes(synced):
    from registry.web import rendered

    rendered.forget()
    app = create_app(synced)
    async with AsyncTestClient(app=app) as client:
        for url in PAGES:
            assert (await client.get(url)).status_code == 200  # through the routes: kept
        app.asgi_handler.routes = refuse
        for url in PAGES:
            assert (await client.get(url)).status_code == 200
        for url, headers in [("/principles/1.0/4", {}), ("/principles/9.9", {}),
                             ("/principles/1.0", {"cookie": "lang=ru"}),  # not kept in ru
                             ("/principles/1.0?text=en&x", {})]:
            with pytest.raises(AssertionError, match="went on to the routes"):
                await client.get(url, headers=headers)


async def verify(client, body: bytes, **headers: str):
    return await client.post("/api/v1/verify", content=body,
                             headers={"content-type": "application/json", **headers})


async def test_a_kept_verdict_is_the_routes_verdict(client, synced, badge):
    from registry.web import kept_answers

    kept_answers.forget()
    credential = (await client.get(f"/api/v1/badges/{badge[0]}")).json()["credential"]
    bodies = [json.dumps({"credential": credential}).encode(),
              json.dumps({"badge_id": badge[0]}).encode(),
              json.dumps({"credential": credential[:-4] + "AAAA"}).encode()]  # forged
    async with AsyncTestClient(app=create_app(synced)) as front, AsyncTestClient(
            app=without_front(create_app(synced))) as routes:
        for body in bodies:
            for headers in ({}, {"accept-language": "be"}, {"cookie": "lang=ru"}):
                first = answer(await verify(front, body, **headers))  # through the route
                again = answer(await verify(front, body, **headers))  # kept
                assert first == again == answer(await verify(routes, body, **headers))
                assert first[0] == 200
        assert len(kept_answers._answers) == 9
        valid = (await verify(front, bodies[0])).json()
        assert valid["valid"] is True
        assert (await verify(front, bodies[2])).json()["valid"] is False


async def test_a_verdict_is_given_again_only_until_something_changes(client, synced, badge):
    from registry.accessions import lifecycle
    from registry.audit.services import SYSTEM
    from registry.web import kept_answers

    kept_answers.forget()
    signatory = (await client.get(f"/api/v1/badges/{badge[0]}")).json()
    body = json.dumps({"credential": signatory["credential"]}).encode()
    app = create_app(synced)
    async with AsyncTestClient(app=app) as front:
        assert (await verify(front, body)).json()["valid"] is True
        routes, app.asgi_handler.routes = app.asgi_handler.routes, refuse
        assert (await verify(front, body)).json()["valid"] is True  # kept
        for other in (body + b" ", b'{"badge_id": "nobadge"}', b"[" * 40):
            with pytest.raises(AssertionError, match="went on to the routes"):
                await verify(front, other)  # never given for another body
        with pytest.raises(AssertionError, match="went on to the routes"):
            await verify(front, body, **{"accept-language": "ru"})  # nor another language
        row = await Badge.select(Badge.signatory.public_id.as_alias("who")).where(
            Badge.badge_id == badge[0]).first()
        await lifecycle.revoke(row["who"], decision="P-3", actor=SYSTEM, settings=synced)
        with pytest.raises(AssertionError, match="went on to the routes"):
            await verify(front, body)  # the revocation moved the counter: asked anew
        app.asgi_handler.routes = routes
        revoked = (await verify(front, body)).json()
        assert revoked["valid"] is False and revoked["status"] == "revoked"


async def test_a_verdict_is_not_kept_past_the_end_of_its_credential():
    from datetime import UTC, datetime, timedelta

    from registry.badges import controllers, verification

    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    result = verification.Result(credential={"validUntil": soon})
    assert 2 < controllers._unchanged_for(result) <= 3
    assert controllers._unchanged_for(verification.Result()) == controllers.KEEP_VERDICT_SECONDS
    later = verification.Result(credential={"validFrom": soon, "validUntil": "2999-01-01"})
    assert 2 < controllers._unchanged_for(later) <= 3


async def test_a_kept_verdict_is_given_only_for_the_seconds_the_route_said(
        synced, badge, monkeypatch):
    import asyncio

    from registry.badges import controllers
    from registry.web import kept_answers

    kept_answers.forget()
    monkeypatch.setattr(controllers, "KEEP_VERDICT_SECONDS", 0.5)
    body = json.dumps({"badge_id": badge[0]}).encode()
    app = create_app(synced)
    async with AsyncTestClient(app=app) as front:
        assert (await verify(front, body)).json()["valid"] is True
        app.asgi_handler.routes = refuse
        assert (await verify(front, body)).json()["valid"] is True  # within the time
        await asyncio.sleep(0.6)
        with pytest.raises(AssertionError, match="went on to the routes"):
            await verify(front, body)
