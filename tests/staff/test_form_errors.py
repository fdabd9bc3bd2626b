"""The staff's own forms refused GOV.UK's way, and no secret written back: a refused
login is told for the whole form (which answer was wrong would tell whether the account
exists); the second factor and the enrolment say each problem at its field."""

from __future__ import annotations

import re

import pyotp
import pytest
from litestar.testing import AsyncTestClient

from registry.app import create_app
from tests.forms import assert_no_field_marked, assert_refused, control, summary_of, words
from tests.staff.helpers import PASSWORD, csrf_token, make_member, post_form
from tests.staff.test_enrolment import new_link, secret_on

GENERIC = ("The e-mail address, password or code is not right, or there were too many "
           "attempts. Wait a few minutes and try again.")


async def test_a_refused_login_is_told_for_the_whole_form_the_same_for_any_account(
        client, synced):
    member = await make_member(synced)
    pages = []
    for email, password in [(member.email, "not the password at all"),
                            ("nobody@staff.example", member.password)]:
        page = await client.get("/staff/login", headers={"accept-language": "be"})
        refused = await client.post("/staff/login", headers={"accept-language": "be"}, data={
            "_csrf_token": csrf_token(page.text), "email": email, "password": password})
        assert refused.status_code == 400
        html = refused.text
        assert re.search(rf"<title>{words('Error:', 'be')} ", html)
        assert f"<li>{words(GENERIC, 'be')}</li>" in summary_of(html)
        assert "<a href=" not in summary_of(html)  # no field named as the wrong one
        assert_no_field_marked(html)
        assert f'value="{email}"' in control(html, "email")  # the address kept
        assert password not in html and "value=" not in control(html, "password")
        pages.append(re.sub(r'value="[^"]*"', "", summary_of(html)))
    assert pages[0] == pages[1]


async def test_a_wrong_second_factor_is_told_at_its_field_and_not_written_back(
        client, synced):
    member = await make_member(synced)
    first = await post_form(client, "/staff/login", "/staff/login",
                            {"email": member.email, "password": member.password})
    assert first.status_code == 303
    refused = await post_form(client, "/staff/login/code", "/staff/login/code",
                              {"code": "000111"})
    assert refused.status_code == 400
    summary = assert_refused(refused.text, "code")
    assert GENERIC in summary
    assert "000111" not in refused.text and "value=" not in control(refused.text, "code")


@pytest.mark.parametrize(
    ("password", "again", "code", "field"),
    [("short", "short", None, "password"),
     (PASSWORD, PASSWORD + "!", None, "password_again"),
     (PASSWORD, PASSWORD, "123456", "code")],
)
async def test_enrolment_says_each_problem_at_its_field_and_writes_no_secret_back(
        client, synced, password, again, code, field):
    _staff_id, path = await new_link(synced)
    page = await client.get(path)
    code = code or pyotp.TOTP(secret_on(page.text)).now()
    refused = await client.post(path, data={
        "_csrf_token": csrf_token(page.text), "password": password, "password_again": again,
        "code": code})
    assert refused.status_code == 400
    assert_refused(refused.text, field)
    for other in {"password", "password_again", "code"} - {field}:
        assert "aria-invalid" not in control(refused.text, other)
    assert 'aria-describedby="password-hint' in control(refused.text, "password")
    for secret in (password, again, code):
        assert f'value="{secret}"' not in refused.text and f">{secret}<" not in refused.text


async def test_the_password_hint_says_the_length_the_rules_ask(migrated, synced):
    from tests.conftest import make_settings

    longer = make_settings(synced.data_dir, synced.database_url, password_min_length=16)
    _staff_id, path = await new_link(longer)
    async with AsyncTestClient(app=create_app(longer)) as client:
        page = await client.get(path)
        assert "At least 16 characters; a long phrase" in page.text
        refused = await client.post(path, data={
            "_csrf_token": csrf_token(page.text), "password": "fourteen chars",
            "password_again": "fourteen chars", "code": pyotp.TOTP(secret_on(page.text)).now()})
        assert refused.status_code == 400 and "Use at least 16 characters." in refused.text
