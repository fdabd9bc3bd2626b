"""Login with password then code; sessions that expire; one generic refusal for every
failure, with the precise reason in the audit trail."""

from datetime import UTC, datetime, timedelta

import pyotp
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.staff import guards, services
from registry.staff.tables import LoginThrottle, StaffSession
from tests.staff.helpers import (
    close_windows,
    counted_after,
    events_after,
    last_event_id,
    login_over_http,
    make_member,
    post_form,
)

GENERIC = "The e-mail address, password or code is not right"


async def test_password_then_code_logs_in_and_the_staff_home_greets(client, synced):
    member = await make_member(synced, "secretariat", name="Palina Test")
    before = await last_event_id()
    response = await login_over_http(client, member)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    home = await client.get("/staff")
    assert home.status_code == 200 and "Logged in as Palina Test." in home.text
    assert home.headers["cache-control"] == "no-store"
    tags = [e["tag"] for e in await events_after(before, subject=f"staff:{member.id}")]
    assert tags == ["staff:login:succeeded"]


async def test_session_cookie_is_httponly_lax_and_not_the_pending_token(client, synced):
    member = await make_member(synced)
    first = await post_form(client, "/staff/login", "/staff/login",
                            {"email": member.email, "password": member.password})
    pending = first.cookies[guards.PENDING_COOKIE]
    assert "HttpOnly" in first.headers["set-cookie"]
    # The pending token is not a session: the staff area stays closed.
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
    second = await post_form(client, "/staff/login/code", "/staff/login/code",
                             {"code": member.next_code()})
    cookie = next(c for c in second.headers.get_list("set-cookie")
                  if c.startswith(guards.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert second.cookies[guards.SESSION_COOKIE] != pending


async def test_over_https_cookies_are_secure_and_host_prefixed(migrated, synced, tmp_path):
    from tests.conftest import make_settings

    https = make_settings(synced.data_dir, synced.database_url,
                          base_url="https://registry.example")
    member = await make_member(https)
    async with AsyncTestClient(app=create_app(https), base_url="https://registry.example") as c:
        await login_over_http(c, member)
        cookies = c.cookies
        assert "__Host-staff_session" in cookies
        home = await c.get("/staff")
        assert home.status_code == 200
        assert home.headers["strict-transport-security"]


async def test_every_failure_gets_the_same_words_and_its_reason_in_the_audit(client, synced):
    member = await make_member(synced)
    before = await last_event_id()
    wrong_password = await post_form(client, "/staff/login", "/staff/login",
                                     {"email": member.email, "password": "not it at all"})
    unknown = await post_form(client, "/staff/login", "/staff/login",
                              {"email": "nobody@example.org", "password": member.password})
    empty = await post_form(client, "/staff/login", "/staff/login", {})
    for response in (wrong_password, unknown, empty):
        assert response.status_code == 400 and GENERIC in response.text
    await post_form(client, "/staff/login", "/staff/login",
                    {"email": member.email, "password": member.password})
    wrong_code = await post_form(client, "/staff/login/code", "/staff/login/code",
                                 {"code": "000000"})
    assert wrong_code.status_code == 400 and GENERIC in wrong_code.text
    # A wrong code follows the right password: someone can be held to it, it is recorded.
    reasons = [e["details"]["reason"] for e in await events_after(
        before, tag="staff:login:failed")]
    assert reasons == ["wrong_code"]
    # The others name nobody: counted, and the count recorded once the window is over.
    await close_windows(synced)
    failures, counted, _ = await counted_after(before, "staff:login_failures:counted")
    assert counted == {"wrong_password": 1, "unknown_account": 2} and failures == 3
    assert all("not it at all" not in str(e) for e in await events_after(before))


async def test_a_code_is_accepted_only_once(client, synced):
    member = await make_member(synced)
    code = member.next_code()
    assert (await login_over_http(client, member, code)).status_code == 303
    before = await last_event_id()
    async with AsyncTestClient(app=create_app(synced)) as other:
        replay = await login_over_http(other, member, code)
        assert replay.status_code == 400 and GENERIC in replay.text
    reasons = [e["details"]["reason"] for e in await events_after(before,
                                                                   tag="staff:login:failed")]
    assert reasons == ["replayed_code"]


async def test_a_recovery_code_works_once(client, synced):
    member = await make_member(synced)
    code = member.recovery_codes[3]
    before = await last_event_id()
    assert (await login_over_http(client, member, code.lower())).status_code == 303
    tags = [e["tag"] for e in await events_after(before, subject=f"staff:{member.id}")]
    assert "staff:recovery_code:used" in tags
    async with AsyncTestClient(app=create_app(synced)) as other:
        assert (await login_over_http(other, member, code)).status_code == 400


async def test_login_is_throttled_per_account_across_processes(synced):
    """Two app instances (two workers) share one count, kept in the database."""
    member = await make_member(synced)
    limit = synced.login_max_failures_per_account
    async with AsyncTestClient(app=create_app(synced)) as one, \
            AsyncTestClient(app=create_app(synced)) as two:
        for attempt in range(limit):
            client = one if attempt % 2 else two
            response = await post_form(client, "/staff/login", "/staff/login",
                                       {"email": member.email, "password": f"wrong {attempt}"})
            assert response.status_code == 400
        before = await last_event_id()
        right = await post_form(one, "/staff/login", "/staff/login",
                                {"email": member.email, "password": member.password})
        assert right.status_code == 400 and GENERIC in right.text
    await close_windows(synced)
    _, counted, _ = await counted_after(before, "staff:login_failures:counted")
    assert counted == {"wrong_password": limit, "throttled": 1}
    rows = await LoginThrottle.select()
    assert all(member.email not in str(row) and "testclient" not in str(row) for row in rows)


async def test_login_is_throttled_per_client_whatever_the_account(synced):
    from tests.conftest import make_settings

    strict = make_settings(synced.data_dir, synced.database_url,
                           login_max_failures_per_client=3)
    member = await make_member(strict)
    async with AsyncTestClient(app=create_app(strict)) as client:
        for n in range(3):
            await post_form(client, "/staff/login", "/staff/login",
                            {"email": f"guess{n}@example.org", "password": "whatever it is"})
        refused = await post_form(client, "/staff/login", "/staff/login",
                                  {"email": member.email, "password": member.password})
        assert refused.status_code == 400 and GENERIC in refused.text


async def test_logout_ends_the_session(client, synced):
    member = await make_member(synced)
    await login_over_http(client, member)
    assert (await client.get("/staff")).status_code == 200
    token = client.cookies[guards.SESSION_COOKIE]
    out = await post_form(client, "/staff", "/staff/logout", {})
    assert out.status_code == 303
    client.cookies.set(guards.SESSION_COOKIE, token)  # a stolen copy of the cookie
    again = await client.get("/staff", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/staff/login")


async def test_idle_and_absolute_expiry(client, synced):
    member = await make_member(synced)
    await login_over_http(client, member)
    assert (await client.get("/staff")).status_code == 200
    idle = timedelta(minutes=synced.session_idle_minutes, seconds=5)
    await StaffSession.update({StaffSession.last_seen_at: datetime.now(UTC) - idle}).where(
        StaffSession.staff == member.id)
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303

    async with AsyncTestClient(app=create_app(synced)) as other:
        await login_over_http(other, member, member.recovery_codes[0])
        assert (await other.get("/staff")).status_code == 200
        await StaffSession.update({StaffSession.expires_at: datetime.now(UTC)}).where(
            (StaffSession.staff == member.id) & StaffSession.ended_at.is_null())
        assert (await other.get("/staff", follow_redirects=False)).status_code == 303


async def test_disabling_an_account_ends_its_sessions_at_once(client, synced):
    from registry.audit.services import SYSTEM

    member = await make_member(synced)
    await login_over_http(client, member)
    await services.disable_staff(member.id, actor=SYSTEM)
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
    async with AsyncTestClient(app=create_app(synced)) as other:
        response = await post_form(other, "/staff/login", "/staff/login",
                                   {"email": member.email, "password": member.password})
        assert response.status_code == 400


async def test_a_pending_login_expires(client, synced):
    member = await make_member(synced)
    await post_form(client, "/staff/login", "/staff/login",
                    {"email": member.email, "password": member.password})
    await StaffSession.update({StaffSession.expires_at: datetime.now(UTC)}).where(
        StaffSession.staff == member.id)
    late = await post_form(client, "/staff/login/code", "/staff/login/code",
                           {"code": pyotp.TOTP(member.secret).now()})
    assert late.status_code == 400 and GENERIC in late.text


async def test_after_login_the_visitor_returns_where_they_were_going(client, synced):
    member = await make_member(synced)
    bounced = await client.get("/staff/audit", follow_redirects=False)
    assert bounced.headers["location"] == "/staff/login?next=/staff/audit"
    first = await post_form(client, "/staff/login?next=/staff/audit", "/staff/login",
                            {"email": member.email, "password": member.password,
                             "next": "/staff/audit"})
    assert first.headers["location"] == "/staff/login/code?next=/staff/audit"
    done = await post_form(client, "/staff/login/code", "/staff/login/code",
                           {"code": member.next_code(), "next": "/staff/audit"})
    assert done.headers["location"] == "/staff/audit"
    evil = await post_form(client, "/staff/login", "/staff/login",
                           {"email": member.email, "password": member.password,
                            "next": "https://evil.example/"})
    assert "evil" not in evil.headers["location"]
