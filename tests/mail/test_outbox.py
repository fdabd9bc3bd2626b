"""The outbox against a real SMTP server process: nothing lost, nothing sent twice."""

import asyncio
import contextlib
import os
from datetime import UTC, datetime, timedelta

from registry import db
from registry.audit.services import SYSTEM
from registry.mail import services as mail
from registry.mail.tables import OutboxMessage
from registry.mail.transport import FileTransport, SmtpTransport
from registry.staff import services as staff
from registry.staff.permissions import Role
from tests.conftest import make_settings
from tests.staff.helpers import events_after, last_event_id


async def queue_enrolment(settings, email="nadzeya@example.org", language="en") -> int:
    """A real business change that causes a mail: a staff account with its link mailed."""
    await staff.create_staff(email, "Nadzeya Test", frozenset({Role.secretariat}), actor=SYSTEM,
                             settings=settings, language=language, send_mail=True)
    row = await OutboxMessage.select(OutboxMessage.id).order_by(
        OutboxMessage.id, ascending=False).first()
    return row["id"]


async def status_of(message_id: int) -> dict:
    return await OutboxMessage.select().where(OutboxMessage.id == message_id).first()


async def test_a_queued_message_reaches_the_smtp_server(settings, smtp_server):
    server = smtp_server()
    message_id = await queue_enrolment(settings)
    report = await mail.deliver_due(SmtpTransport(server.url()), settings=settings)
    assert report.sent == [message_id]
    [received] = server.messages()
    assert received["To"] == "nadzeya@example.org"
    assert received["Subject"] == "Your staff account in the Principles Registry"
    assert received["Content-Language"] == "en"
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "Hello Nadzeya Test," in text and f"{settings.base_url}/staff/enrol/" in text
    assert '<a href="http://127.0.0.1:8000/staff/enrol/' in html
    row = await status_of(message_id)
    assert row["status"] == "sent" and row["sent_at"] and row["attempts"] == 1
    assert received["Message-ID"] == row["message_id"]


async def test_server_down_then_up_the_message_arrives_exactly_once(settings, smtp_server):
    server = smtp_server(start=False)
    transport = SmtpTransport(server.url())
    message_id = await queue_enrolment(settings)

    down = await mail.deliver_due(transport, settings=settings)
    assert down.retrying == [message_id] and down.sent == []
    row = await status_of(message_id)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["next_attempt_at"] > datetime.now(UTC)
    assert row["last_error"].startswith("enc1:")  # the server's words may name the address
    # Not due yet: a pass now sends nothing, even with the server back.
    server.start()
    assert (await mail.deliver_due(transport, settings=settings)).sent == []

    later = datetime.now(UTC) + timedelta(hours=2)
    assert (await mail.deliver_due(transport, settings=settings, now=later)).sent == [message_id]
    assert (await mail.deliver_due(transport, settings=settings, now=later)).sent == []
    server.stop()
    server.start()  # a restart must not replay anything either
    assert (await mail.deliver_due(transport, settings=settings, now=later)).sent == []
    assert len(server.messages()) == 1


async def test_a_sender_that_dies_after_claiming_loses_nothing(settings, smtp_server):
    """The crash point between the commit and the send: a sender claimed the message,
    then died before sending. Once its lease lapses, the next pass delivers it."""
    server = smtp_server()
    transport = SmtpTransport(server.url())
    message_id = await queue_enrolment(settings)
    assert await mail.claim_next() == message_id  # ... and then that process died

    assert (await mail.deliver_due(transport, settings=settings)).sent == []  # lease held
    after_lease = datetime.now(UTC) + mail.LEASE + timedelta(seconds=1)
    report = await mail.deliver_due(transport, settings=settings, now=after_lease)
    assert report.sent == [message_id]
    assert len(server.messages()) == 1


async def test_a_message_is_queued_only_if_its_change_commits(settings):
    before = await OutboxMessage.count()

    async def change_that_fails() -> None:
        async with db.write_transaction():
            await mail.queue("x@example.org", "staff_enrolled", language="en",
                             context={"name": "X", "url": "http://x"})
            raise RuntimeError("the business change failed after queueing")

    with contextlib.suppress(RuntimeError):
        await change_that_fails()
    assert await OutboxMessage.count() == before


async def test_two_senders_at_once_send_each_message_once(settings, smtp_server):
    server = smtp_server()
    for n in range(5):
        await queue_enrolment(settings, email=f"person{n}@example.org")
    transport = SmtpTransport(server.url())
    reports = await asyncio.gather(*(mail.deliver_due(transport, settings=settings)
                                     for _ in range(3)))
    assert sorted(i for r in reports for i in r.sent) == sorted(
        r["id"] for r in await OutboxMessage.select(OutboxMessage.id))
    assert sorted(m["To"] for m in server.messages()) == [
        f"person{n}@example.org" for n in range(5)]


async def test_starttls_and_login(settings, smtp_server, certificate):
    cert, key = certificate
    server = smtp_server("--tls", str(cert), str(key), "--login", "registry", "s3cret pass")
    message_id = await queue_enrolment(settings)
    # aiosmtpd answers a wrong password slowly; the short timeout keeps the test quick.
    wrong = SmtpTransport(server.url("smtp+starttls", "registry:nope@", f"?cafile={cert}"),
                          timeout=2)
    assert (await mail.deliver_due(wrong, settings=settings)).retrying == [message_id]
    plain = SmtpTransport(server.url("smtp", "registry:s3cret%20pass@"))
    later = datetime.now(UTC) + timedelta(hours=2)
    assert (await mail.deliver_due(plain, settings=settings, now=later)).retrying == [message_id]
    right = SmtpTransport(server.url("smtp+starttls", "registry:s3cret%20pass@", f"?cafile={cert}"))
    later += timedelta(hours=2)
    assert (await mail.deliver_due(right, settings=settings, now=later)).sent == [message_id]
    assert len(server.messages()) == 1


async def test_giving_up_after_the_configured_attempts_is_audited(settings, smtp_server):
    impatient = make_settings(settings.data_dir, settings.database_url, outbox_max_attempts=2)
    server = smtp_server(start=False)
    message_id = await queue_enrolment(impatient)
    before = await last_event_id()
    now = datetime.now(UTC)
    for hours in (0, 3):
        await mail.deliver_due(SmtpTransport(server.url()), settings=impatient,
                               now=now + timedelta(hours=hours))
    row = await status_of(message_id)
    assert row["status"] == "failed" and row["attempts"] == 2
    [event] = await events_after(before, tag="mail:message:failed")
    assert event["subject"] == f"mail:{message_id}" and event["details"]["attempts"] == 2
    assert "nadzeya" not in str(event)


async def test_without_smtp_messages_become_eml_files(settings, tmp_path):
    folder = tmp_path / "outbox"
    message_id = await queue_enrolment(settings)
    assert (await mail.deliver_due(FileTransport(folder), settings=settings)).sent == [message_id]
    [written] = list(folder.glob("*.eml"))
    assert os.stat(written).st_mode & 0o777 == 0o600
    assert b"To: nadzeya@example.org" in written.read_bytes()


async def test_mail_is_in_the_recipients_language(settings, smtp_server):
    server = smtp_server()
    await queue_enrolment(settings, language="ru")
    await mail.deliver_due(SmtpTransport(server.url()), settings=settings)
    [received] = server.messages()
    assert received["Content-Language"] == "ru"
    assert received["Subject"] == "Ваша учётная запись сотрудника в Реестре Принципов"
    assert "Здравствуйте, Nadzeya Test!" in received.get_body(("plain",)).get_content()


async def test_the_sender_inside_the_service_delivers_in_the_background(settings):
    from litestar.testing import AsyncTestClient

    from registry.app import create_app

    quick = make_settings(settings.data_dir, settings.database_url, outbox_poll_seconds=0.1)
    message_id = await queue_enrolment(quick)
    async with AsyncTestClient(app=create_app(quick, run_scheduler=True)):
        for _ in range(100):
            if (await status_of(message_id))["status"] == "sent":
                break
            await asyncio.sleep(0.05)
    assert (await status_of(message_id))["status"] == "sent"
    assert list(quick.outbox_dir.glob("*.eml"))
