"""Lockout that an attacker cannot aim at someone (OWASP's device cookies): a browser that
logged in to an account before keeps an allowance of its own, so wrong passwords from
anywhere else lock out only the clients the account does not know. Anonymous failures
are counted per window and recorded as one event, not one each."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import unquote

import pytest
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.audit.tables import AuditEvent
from registry.staff import login
from registry.staff.login import LoginRefused
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
DEVICE = "staff_device"  # guards.DEVICE_COOKIE


async def try_password(client: AsyncTestClient, email: str, password: str):
    return await post_form(client, "/staff/login", "/staff/login",
                           {"email": email, "password": password})


@asynccontextmanager
async def a_known_browser(settings, member) -> AsyncIterator[AsyncTestClient]:
    """A browser the member logged in from (and logged out of again): it holds the
    device cookie."""
    async with AsyncTestClient(app=create_app(settings)) as browser:
        assert (await login_over_http(browser, member)).status_code == 303
        assert browser.cookies.get(DEVICE)
        assert (await post_form(browser, "/staff", "/staff/logout", {})).status_code == 303
        yield browser


async def test_an_attackers_wrong_passwords_do_not_lock_the_member_out_of_a_known_browser(
        synced):
    member = await make_member(synced)
    async with a_known_browser(synced, member) as known:
        # More than the account's allowance, and the client's too: the attacker shares the
        # member's address (the test client's is one for all), and it makes no difference.
        attempts = max(synced.login_max_failures_per_account,
                       synced.login_max_failures_per_client) + 1
        async with AsyncTestClient(app=create_app(synced)) as attacker:
            for n in range(attempts):
                refused = await try_password(attacker, member.email, f"guess number {n}")
                assert refused.status_code == 400 and GENERIC in refused.text
            # The attacker's client is locked, even with the right password.
            locked = await try_password(attacker, member.email, member.password)
            assert locked.status_code == 400 and GENERIC in locked.text
        # So is any browser the account does not know.
        async with AsyncTestClient(app=create_app(synced)) as stranger:
            refused = await try_password(stranger, member.email, member.password)
            assert refused.status_code == 400 and GENERIC in refused.text
        # The member's own browser is not (the code of this time step was used already).
        assert (await login_over_http(known, member, member.recovery_codes[0])).status_code == 303
        assert (await known.get("/staff")).status_code == 200


async def test_a_known_browser_that_fails_too_often_is_locked_itself(synced):
    member = await make_member(synced)
    async with a_known_browser(synced, member) as known:
        for n in range(synced.login_max_failures_per_device):
            assert (await try_password(known, member.email, f"mistyped {n}")).status_code == 400
        locked = await try_password(known, member.email, member.password)
        assert locked.status_code == 400 and GENERIC in locked.text
    # Its failures were its own: the account's allowance for other clients is untouched.
    async with AsyncTestClient(app=create_app(synced)) as other:
        assert (await login_over_http(other, member, member.recovery_codes[0])).status_code == 303


async def test_a_device_cookie_counts_only_for_its_own_account_and_only_if_genuine(synced):
    member = await make_member(synced)
    colleague = await make_member(synced, name="Other Colleague")
    async with AsyncTestClient(app=create_app(synced)) as attacker:
        for n in range(synced.login_max_failures_per_account):
            await try_password(attacker, member.email, f"guess {n}")
    async with AsyncTestClient(app=create_app(synced)) as shared:
        assert (await login_over_http(shared, colleague)).status_code == 303
        cookie = shared.cookies[DEVICE]
        assert colleague.email not in unquote(cookie) and str(colleague.id) in cookie
        # The colleague's browser is a stranger to the member's account.
        refused = await try_password(shared, member.email, member.password)
        assert refused.status_code == 400 and GENERIC in refused.text
    staff_id, nonce, issued, signature = cookie.split(".")
    for forged in (f"{member.id}.{nonce}.{issued}.{signature}",  # another account's id
                   f"{staff_id}.{nonce}x.{issued}.{signature}", "garbage", "x" * 300):
        async with AsyncTestClient(app=create_app(synced)) as client:
            client.cookies.set(DEVICE, forged)
            refused = await try_password(client, member.email, member.password)
            assert refused.status_code == 400 and GENERIC in refused.text


async def test_the_device_cookie_is_httponly_strict_and_long_lived(client, synced):
    member = await make_member(synced)
    done = await login_over_http(client, member)
    cookie = next(c for c in done.headers.get_list("set-cookie")
                  if c.startswith(DEVICE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={synced.login_device_cookie_days * 86400}" in cookie


async def test_over_https_the_device_cookie_is_secure_and_host_prefixed(synced):
    from tests.conftest import make_settings

    https = make_settings(synced.data_dir, synced.database_url,
                          base_url="https://registry.example")
    member = await make_member(https)
    async with AsyncTestClient(app=create_app(https), base_url="https://registry.example") as c:
        done = await login_over_http(c, member)
        cookie = next(h for h in done.headers.get_list("set-cookie")
                      if h.startswith("__Host-staff_device="))
        assert "Secure" in cookie and "Domain" not in cookie and "Path=/" in cookie


async def test_a_hundred_anonymous_failures_add_one_event_with_their_count(synced):
    member = await make_member(synced)
    roomy = synced.model_copy(update={"login_max_failures_per_account": 1000})
    before = await last_event_id()
    for n in range(100):
        email = member.email if n % 2 else f"nobody{n}@example.org"
        with pytest.raises(LoginRefused):
            await login.begin_login(email, f"guess {n}", client=None, settings=roomy)
    # Nothing per failure; only if the hundred straddled two windows, the first failure
    # of the second recorded the count of the first.
    during = await events_after(before)
    assert [e["tag"] for e in during] in ([], ["staff:login_failures:counted"])
    await close_windows(synced)
    await close_windows(synced)  # a second run finds nothing more to record
    failures, reasons, events = await counted_after(before, "staff:login_failures:counted")
    assert failures == 100 and reasons == {"unknown_account": 50, "wrong_password": 50}
    assert events <= 2  # one per window (the hundred may straddle two)
    assert await AuditEvent.count().where(AuditEvent.id > before) == events
    event = (await events_after(before))[0]
    assert event["actor"] == "anonymous" and event["subject"] is None
    assert set(event["details"]) == {"window_start", "window_minutes", "failures", "reasons"}


async def test_a_known_browsers_wrong_password_is_recorded_with_the_account(synced):
    member = await make_member(synced)
    async with a_known_browser(synced, member) as known:
        before = await last_event_id()
        await try_password(known, member.email, "a slip of the finger")
    events = await events_after(before, tag="staff:login:failed")
    assert [(e["subject"], e["details"]["reason"], e["details"]["known_device"])
            for e in events] == [(f"staff:{member.id}", "wrong_password", True)]


async def test_the_first_failure_of_a_later_window_records_the_windows_before(client, synced):
    """Without the scheduler (a single `registry serve` stopped, say), counts still end up
    in the trail: the next counted failure records every window that is over."""
    from datetime import UTC, datetime, timedelta

    from registry.staff import tallies
    from registry.staff.tables import FailureTally

    earlier = tallies.window_start(synced, datetime.now(UTC) - timedelta(
        minutes=synced.login_window_minutes))
    await FailureTally.insert(FailureTally(window_start=earlier, tag="staff:login_failures:counted",
                                           reason="unknown_account", failures=7))
    before = await last_event_id()
    await try_password(client, "nobody@example.org", "anything at all")
    events = await events_after(before, tag="staff:login_failures:counted")
    assert [(e["details"]["failures"], e["details"]["window_start"]) for e in events] == [
        (7, earlier.isoformat())]
    assert await FailureTally.count().where(FailureTally.window_start == earlier) == 0


async def test_an_ipv6_client_is_its_64_for_the_login_throttle_too(synced):
    """One host is given a whole /64: counted address by address, it would be as many
    clients as it likes."""
    one = login.client_bucket("2001:db8:1:2::1")
    assert one == login.client_bucket("2001:db8:1:2:ffff::9")
    assert one != login.client_bucket("2001:db8:1:3::1")
    assert login.client_bucket("203.0.113.7") == login.client_bucket("::ffff:203.0.113.7")
