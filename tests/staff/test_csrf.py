"""The CSRF token is bound to the staff session: a token (and its cookie) from one session
is refused in another; over HTTPS its cookie is `__Host-csrftoken`."""

from litestar.testing import AsyncTestClient

from registry.app import create_app
from tests.staff.helpers import csrf_token, login_over_http, make_member

REFUSED = "This form could not be accepted"
COOKIE = "csrftoken"


async def test_a_token_from_one_session_is_refused_in_another(synced):
    alice, bob = await make_member(synced, name="Alisa Test"), await make_member(synced)
    async with AsyncTestClient(app=create_app(synced)) as one, \
            AsyncTestClient(app=create_app(synced)) as two:
        await login_over_http(one, alice)
        token = csrf_token((await one.get("/staff")).text)
        cookie = one.cookies[COOKIE]
        await login_over_http(two, bob)
        assert (await two.get("/staff")).status_code == 200
        # Alice's token and cookie, planted in Bob's browser: they are not Bob's session's.
        domain = next(c.domain for c in two.cookies.jar if c.name == COOKIE)
        two.cookies.set(COOKIE, cookie, domain=domain)
        planted = await two.post("/staff/logout", data={"_csrf_token": token},
                                 follow_redirects=False)
        assert planted.status_code == 403 and REFUSED in planted.text
        assert (await two.get("/staff")).status_code == 200  # still logged in
        # Bob's own page gives him a token of his own, which works.
        own = csrf_token((await two.get("/staff")).text)
        assert own != token
        out = await two.post("/staff/logout", data={"_csrf_token": own},
                             follow_redirects=False)
        assert out.status_code == 303


async def test_a_token_from_before_the_login_is_not_the_sessions(client, synced):
    member = await make_member(synced)
    before = csrf_token((await client.get("/staff/login")).text)
    await login_over_http(client, member)
    stale = await client.post("/staff/logout", data={"_csrf_token": before},
                              follow_redirects=False)
    assert stale.status_code == 403 and REFUSED in stale.text
    # The next page gives the session's own token.
    fresh = csrf_token((await client.get("/staff")).text)
    assert fresh != before
    assert (await client.post("/staff/logout", data={"_csrf_token": fresh},
                              follow_redirects=False)).status_code == 303


async def test_a_visitor_without_a_session_keeps_one_token(client, synced):
    first = csrf_token((await client.get("/complaints/follow-up")).text)
    again = await client.get("/complaints/follow-up")
    assert csrf_token(again.text) == first and "set-cookie" not in again.headers


async def test_over_https_the_csrf_cookie_is_host_prefixed(synced):
    from tests.conftest import make_settings

    https = make_settings(synced.data_dir, synced.database_url,
                          base_url="https://registry.example")
    member = await make_member(https)
    async with AsyncTestClient(app=create_app(https), base_url="https://registry.example") as c:
        page = await c.get("/staff/login")
        cookie = next(h for h in page.headers.get_list("set-cookie")
                      if h.startswith("__Host-csrftoken="))
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert "HttpOnly" in cookie and "csrftoken" not in c.cookies
        assert (await login_over_http(c, member)).status_code == 303
        assert (await c.get("/staff")).status_code == 200


async def test_the_first_page_gives_the_cookie_so_two_forms_opened_from_it_agree(
        client, synced):
    """Any page but the Principles' gives a visitor the cookie; two forms opened at once
    afterwards (two tabs) carry its token, and the first one sent is accepted."""
    for page in ("/principles/1.0", "/principles/1.0/3"):  # the same for every reader
        assert "set-cookie" not in (await client.get(page)).headers, page
        assert COOKIE not in client.cookies
    home = await client.get("/")
    assert COOKIE in client.cookies and "set-cookie" in home.headers
    accede, follow_up = await client.get("/accede"), await client.get("/complaints/follow-up")
    assert csrf_token(accede.text) == csrf_token(follow_up.text) == client.cookies[COOKIE]
    assert "set-cookie" not in accede.headers and "set-cookie" not in follow_up.headers
