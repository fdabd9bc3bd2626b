"""Enrolment: a one-time link sets the password and the second factor."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from registry.audit.services import SYSTEM
from registry.mail.tables import OutboxMessage
from registry.refusals import Conflict, Invalid
from registry.staff import services
from registry.staff.permissions import Role
from registry.staff.tables import EnrolmentLink, RecoveryCode, StaffMember
from tests.staff.helpers import (
    PASSWORD,
    close_windows,
    counted_after,
    csrf_token,
    events_after,
    last_event_id,
    post_form,
)


async def new_link(settings, **kwargs) -> tuple[int, str]:
    staff_id, url = await services.create_staff(
        kwargs.pop("email", "olga@example.org"), "Olga Test", frozenset({Role.panel_member}),
        actor=SYSTEM, settings=settings, **kwargs)
    return staff_id, url.removeprefix(settings.base_url)


def secret_on(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)[1]


async def test_enrolment_sets_password_and_second_factor_and_shows_recovery_codes(
    client, synced,
):
    staff_id, path = await new_link(synced)
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'src="data:image/svg+xml;base64,' in page.text  # the QR code, made here
    secret = secret_on(page.text)
    done = await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "password": PASSWORD, "password_again": PASSWORD,
        "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    member = await StaffMember.select().where(StaffMember.id == staff_id).first()
    assert member["status"] == "active" and member["password_hash"].startswith("$argon2id$")
    assert await RecoveryCode.count().where(RecoveryCode.staff == staff_id) == 10
    notice = await OutboxMessage.select().where(OutboxMessage.template == "staff_enrolled")
    assert len(notice) == 1  # the member is told their account was just set up


async def test_a_used_link_is_refused_and_audited(client, synced):
    _staff_id, path = await new_link(synced)
    page = await client.get(path)
    await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "password": PASSWORD, "password_again": PASSWORD,
        "code": pyotp.TOTP(secret_on(page.text)).now()})
    before = await last_event_id()
    again = await client.get(path)
    assert again.status_code == 404 and "not valid" in again.text
    replay = await client.post(path, data={"_csrf_token": csrf_token(page.text),
                                           "password": "x", "password_again": "x", "code": "1"})
    assert replay.status_code == 404 and "not valid" in replay.text
    reasons = [e["details"]["reason"] for e in await events_after(
        before, tag="staff:enrolment:refused")]
    assert reasons == ["used", "used"]


async def test_an_expired_or_unknown_link_is_refused_and_audited(client, synced):
    staff_id, path = await new_link(synced)
    await EnrolmentLink.update({EnrolmentLink.expires_at: datetime.now(UTC) - timedelta(
        seconds=1)}).where(EnrolmentLink.staff == staff_id)
    before = await last_event_id()
    expired = await client.get(path)
    assert expired.status_code == 404 and "may have expired" in expired.text
    unknown = await client.get("/staff/enrol/not-a-token")
    assert unknown.status_code == 404
    huge = await client.get("/staff/enrol/" + "x" * 5000)
    assert huge.status_code in (400, 404)
    reasons = [e["details"]["reason"] for e in await events_after(
        before, tag="staff:enrolment:refused")]
    assert reasons == ["expired"]
    # Made-up links name nobody: counted, and recorded once the window is over.
    await close_windows(synced)
    failures, counted, _ = await counted_after(before, "staff:enrolment_refusals:counted")
    assert failures == counted["unknown"] >= 1


@pytest.mark.parametrize(
    ("password", "again", "words"),
    [("short", "short", "at least 12 characters"),
     ("password1234", "password1234", "most common"),
     ("Olga Test is my name", "Olga Test is my name", "your name"),
     ("aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", "more different characters"),
     (PASSWORD, PASSWORD + "!", "not the same")],
)
async def test_weak_or_mismatched_passwords_are_refused_in_words(client, synced, password,
                                                                  again, words):
    staff_id, path = await new_link(synced)
    page = await client.get(path)
    response = await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "password": password, "password_again": again,
        "code": pyotp.TOTP(secret_on(page.text)).now()})
    assert response.status_code == 400 and words in response.text
    assert (await StaffMember.select(StaffMember.status).where(
        StaffMember.id == staff_id).first())["status"] == "enrolling"


async def test_a_wrong_code_does_not_enrol(client, synced):
    _staff_id, path = await new_link(synced)
    page = await client.get(path)
    response = await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "password": PASSWORD, "password_again": PASSWORD,
        "code": "123456"})
    assert response.status_code == 400 and "authenticator app is not right" in response.text
    # The link still works for a second try.
    assert (await client.get(path)).status_code == 200


async def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_counted(client, synced):
    staff_id, path = await new_link(synced)
    page = await client.get(path)
    secret = secret_on(page.text)
    before = await last_event_id()
    missing = await client.post(path, data={"password": PASSWORD, "password_again": PASSWORD,
                                            "code": pyotp.TOTP(secret).now()})
    wrong = await client.post(path, data={"_csrf_token": "0" * 64, "password": PASSWORD,
                                          "password_again": PASSWORD,
                                          "code": pyotp.TOTP(secret).now()})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert "This form could not be accepted" in response.text
    # Counted for the window's one event, not an event each: anyone can send them.
    assert await events_after(before, tag="security:csrf:refused") == []
    await close_windows(synced)
    failures, reasons, events = await counted_after(before, "security:csrf_refusals:counted")
    assert (failures, reasons) == (2, {"POST": 2}) and events <= 2  # a window may end between
    assert (await StaffMember.select(StaffMember.status).where(
        StaffMember.id == staff_id).first())["status"] == "enrolling"


async def test_create_refuses_bad_input_and_duplicates(synced):
    await new_link(synced, email="dup@example.org")
    with pytest.raises(Conflict, match="already exists"):
        await new_link(synced, email="DUP@Example.org ")
    with pytest.raises(Invalid, match="not an e-mail address"):
        await new_link(synced, email="<script>@x")
    with pytest.raises(Invalid, match="at least one role"):
        await services.create_staff("r@example.org", "R", frozenset(), actor=SYSTEM,
                                    settings=synced)
    with pytest.raises(Invalid, match="1 to 200"):
        await services.create_staff("n@example.org", "n" * 300, frozenset({Role.admin}),
                                    actor=SYSTEM, settings=synced)
    assert await StaffMember.count() == 1


async def test_reset_forgets_the_factors_and_issues_a_new_link(client, synced):
    from tests.staff.helpers import login_over_http, make_member

    member = await make_member(synced)
    await login_over_http(client, member)
    url = await services.reset_staff(member.id, actor=SYSTEM, settings=synced)
    assert (await client.get("/staff", follow_redirects=False)).status_code == 303
    row = await StaffMember.select().where(StaffMember.id == member.id).first()
    assert row["status"] == "enrolling" and row["password_hash"] is None
    assert (await client.get(url.removeprefix(synced.base_url))).status_code == 200
    login = await post_form(client, "/staff/login", "/staff/login",
                            {"email": member.email, "password": member.password})
    assert login.status_code == 400
