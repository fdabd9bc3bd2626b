"""The audit trail: append-only, written with the change, readable by admins only."""

import re

import pytest

from registry import db
from registry.audit import services as audit
from registry.audit.tables import AuditEvent
from registry.audit.tags import EventTag
from tests.staff.helpers import last_event_id, login_over_http, make_member


async def test_events_cannot_be_changed_or_deleted(settings):
    async with db.write_transaction():
        await audit.record(EventTag.staff_account_disabled, actor=audit.SYSTEM,
                           subject="staff:999")
    newest = await last_event_id()
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.update({AuditEvent.actor: "someone else"}).where(
            AuditEvent.id == newest)
    with pytest.raises(Exception, match="append-only"):
        await AuditEvent.delete().where(AuditEvent.id == newest)
    row = await AuditEvent.select().where(AuditEvent.id == newest).first()
    assert row["actor"] == "system"


async def test_an_event_exists_only_if_its_change_committed(settings):
    before = await last_event_id()

    async def change_that_fails() -> None:
        async with db.write_transaction():
            await audit.record(EventTag.staff_account_disabled, actor=audit.SYSTEM,
                               subject="staff:rolled-back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await last_event_id() == before


async def test_admins_list_and_filter_events(client, synced):
    member = await make_member(synced, "admin")
    await make_member(synced, "secretariat")
    await login_over_http(client, member)
    page = await client.get("/staff/audit")
    assert page.status_code == 200
    assert "staff:account:created" in page.text and "staff:login:succeeded" in page.text
    filtered = await client.get("/staff/audit", params={"tag": "staff:login"})
    tags = set(re.findall(r"<code>(staff:[a-z_]+:[a-z_]+)</code>", filtered.text))
    assert tags == {"staff:login:succeeded"}
    by_subject = await client.get("/staff/audit", params={"subject": f"staff:{member.id}"})
    assert f"staff:{member.id}" in by_subject.text and "staff:account:enrolled" in by_subject.text
    api = (await client.get("/api/v1/staff/audit", params={"tag": "staff:account",
                                                           "limit": 2})).json()
    assert len(api) == 2 and all(e["tag"].startswith("staff:account") for e in api)
    older = (await client.get("/api/v1/staff/audit",
                              params={"tag": "staff:account", "before": api[-1]["id"]})).json()
    assert older and all(e["id"] < api[-1]["id"] for e in older)
    assert (await client.get("/api/v1/staff/audit", params={"limit": 0})).status_code == 400


async def test_no_event_holds_an_ip_address_or_a_password(client, synced):
    member = await make_member(synced)
    before = await last_event_id()
    await login_over_http(client, member)
    from tests.staff.helpers import post_form

    await post_form(client, "/staff/login", "/staff/login",
                    {"email": member.email, "password": "a wrong guess 12345"})
    rows = await AuditEvent.select().where(AuditEvent.id > before)
    dump = str(rows)
    assert rows and "testclient" not in dump and "127.0.0.1" not in dump
    assert "a wrong guess" not in dump and member.email not in dump
