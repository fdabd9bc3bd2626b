"""Small factories for staff tests: enrolled members, logged-in clients, form tokens."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

import pyotp
from litestar.testing import AsyncTestClient

from registry.audit.services import SYSTEM
from registry.audit.tables import AuditEvent
from registry.settings import Settings
from registry.staff import login, services
from registry.staff.permissions import Role

PASSWORD = "a long phrase of several words"


@dataclass
class Member:
    id: int
    email: str
    password: str
    secret: str
    recovery_codes: list[str]

    def next_code(self) -> str:
        """A code for the next time step: enrolment already used the current one."""
        return pyotp.TOTP(self.secret).at(time.time() + 30)


async def make_member(settings: Settings, *roles: str, language: str = "en",
                      name: str = "Ales Test") -> Member:
    email = f"staff-{secrets.token_hex(4)}@staff.example"
    staff_id, url = await services.create_staff(
        email, name, frozenset(Role(r) for r in roles or ("admin",)), actor=SYSTEM,
        settings=settings, language=language)
    token = url.rsplit("/", 1)[1]
    secret = (await services.open_enrolment(token)).totp_secret
    codes = await services.complete_enrolment(token, PASSWORD, PASSWORD,
                                              pyotp.TOTP(secret).now(), settings=settings)
    return Member(staff_id, email, PASSWORD, secret, codes)


async def session_for(member: Member, settings: Settings, code: str | None = None) -> str:
    pending = await login.begin_login(member.email, member.password, client=None,
                                         settings=settings)
    done = await login.finish_login(pending, code or member.next_code(), client=None,
                                    settings=settings)
    return done.session


def csrf_token(page_html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page_html)
    assert found, "the form has no CSRF token"
    return found[1]


async def post_form(client: AsyncTestClient, form_page: str, action: str,
                    data: dict[str, str], **kwargs):
    """Fetch the form's page (for its CSRF token), then post the form to `action`."""
    page = await client.get(form_page)
    return await client.post(action, data={**data, "_csrf_token": csrf_token(page.text)},
                              follow_redirects=False, **kwargs)


async def login_over_http(client: AsyncTestClient, member: Member, code: str | None = None):
    first = await post_form(client, "/staff/login", "/staff/login",
                            {"email": member.email, "password": member.password})
    assert first.status_code == 303, first.text
    return await post_form(client, "/staff/login/code", "/staff/login/code",
                           {"code": code or member.next_code()})


async def events_after(event_id: int, **where: str) -> list[dict]:
    query = AuditEvent.select().output(load_json=True).where(AuditEvent.id > event_id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return await query.order_by(AuditEvent.id)


async def last_event_id() -> int:
    row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
    return row["id"] if row else 0


async def close_windows(settings: Settings) -> None:
    """Run the scheduler's job as it runs once the current window is over."""
    from datetime import UTC, datetime, timedelta

    from registry.staff.capability import CAPABILITY

    job = next(job for job in CAPABILITY.jobs(settings) if job.name == "staff:failure_tallies")
    await job.run(settings, datetime.now(UTC) + timedelta(minutes=settings.login_window_minutes))


async def counted_after(event_id: int, tag: str) -> tuple[int, dict[str, int], int]:
    """The failures the windows' events after `event_id` counted under `tag`: how many,
    by reason, and in how many events."""
    events = await events_after(event_id, tag=tag)
    reasons: dict[str, int] = {}
    for event in events:
        for reason, failures in event["details"]["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + failures
    return sum(e["details"]["failures"] for e in events), reasons, len(events)
