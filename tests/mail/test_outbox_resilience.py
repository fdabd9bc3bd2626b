"""The outbox never stalls: a message that cannot be opened is one message's failed
attempt, and a message claimed by a process that died goes out within a minute."""

from datetime import UTC, datetime, timedelta

from registry.keys.fields import FieldCipher
from registry.keys.sealed import purpose, unseal
from registry.keys.store import new_data_keys
from registry.mail import services as mail
from registry.mail.tables import OutboxMessage
from registry.mail.transport import SmtpTransport
from tests.conftest import make_settings
from tests.mail.test_outbox import queue_enrolment, status_of
from tests.staff.helpers import events_after, last_event_id


async def damage(message_id: int) -> None:
    """Flip one character of the sealed recipient, as a bad disk or a bad hand would."""
    row = await status_of(message_id)
    sealed = row["recipient"]
    flipped = "A" if sealed[-5] != "A" else "B"
    await OutboxMessage.update({OutboxMessage.recipient: sealed[:-5] + flipped + sealed[-4:]}
                               ).where(OutboxMessage.id == message_id)


async def seal_with_a_foreign_key(message_id: int) -> None:
    """The body sealed on another host, with a data key this one never held (a database
    restored without its key file, or copied between installations)."""
    foreign = FieldCipher(keys=new_data_keys())
    body = foreign.encrypt("Hello from elsewhere", purpose=purpose(OutboxMessage.body_text))
    await OutboxMessage.update({OutboxMessage.body_text: body}).where(
        OutboxMessage.id == message_id)


async def test_messages_that_cannot_be_opened_do_not_stop_the_others(settings, smtp_server):
    impatient = make_settings(settings.data_dir, settings.database_url, outbox_max_attempts=2)
    server = smtp_server()
    transport = SmtpTransport(server.url())
    first = await queue_enrolment(impatient, email="first@example.org")
    damaged = await queue_enrolment(impatient, email="damaged@example.org")
    foreign = await queue_enrolment(impatient, email="foreign@example.org")
    last = await queue_enrolment(impatient, email="last@example.org")
    await damage(damaged)
    await seal_with_a_foreign_key(foreign)
    before = await last_event_id()

    report = await mail.deliver_due(transport, settings=impatient)
    assert sorted(report.sent) == [first, last]
    assert sorted(report.retrying) == [damaged, foreign] and report.failed == []
    assert sorted(m["To"] for m in server.messages()) == ["first@example.org",
                                                           "last@example.org"]
    for message_id in (damaged, foreign):
        row = await status_of(message_id)
        assert row["status"] == "pending" and row["attempts"] == 1
        assert row["claimed_until"] is None and row["next_attempt_at"] > datetime.now(UTC)
        assert row["last_error"].startswith("enc1:")
        assert unseal(OutboxMessage.last_error, row["last_error"]).startswith(
            "DecryptionError: ")

    later = datetime.now(UTC) + timedelta(hours=3)
    report = await mail.deliver_due(transport, settings=impatient, now=later)
    assert sorted(report.failed) == [damaged, foreign] and report.sent == []
    for message_id in (damaged, foreign):
        row = await status_of(message_id)
        assert row["status"] == "failed" and row["attempts"] == 2
    events = await events_after(before, tag="mail:message:failed")
    assert sorted(e["subject"] for e in events) == sorted(
        [f"mail:{damaged}", f"mail:{foreign}"])
    for event in events:
        assert event["details"] == {"template": "staff_enrolment", "attempts": 2,
                                    "error": "DecryptionError"}
    assert (await mail.deliver_due(transport, settings=impatient, now=later)).sent == []
    assert len(server.messages()) == 2


async def test_a_message_claimed_by_a_process_that_died_goes_out_within_a_minute(
        settings, smtp_server):
    server = smtp_server()
    transport = SmtpTransport(server.url())
    message_id = await queue_enrolment(settings)
    claimed_at = datetime.now(UTC)
    assert await mail.claim_next() == message_id  # ... and then that process died
    row = await status_of(message_id)
    assert claimed_at < row["claimed_until"] <= datetime.now(UTC) + mail.LEASE

    # While the lease holds, no other sender touches it: a live sender may be sending.
    assert (await mail.deliver_due(transport, settings=settings)).sent == []
    assert server.messages() == []
    # A pass a minute after the claim, less one poll of the outbox, sends it.
    within_a_minute = claimed_at + timedelta(seconds=60 - settings.outbox_poll_seconds)
    report = await mail.deliver_due(transport, settings=settings, now=within_a_minute)
    assert report.sent == [message_id]
    assert [m["To"] for m in server.messages()] == ["nadzeya@example.org"]
    # A live sender gives a send up before its lease lapses, so no second sender ever
    # takes a message the first one is still sending.
    assert mail.SEND_TIMEOUT < mail.LEASE


class Watching:
    """A transport that accepts every message and notes, while sending each, which
    messages are held by a lease."""

    def __init__(self) -> None:
        self.held: list[list[int]] = []

    def describe(self) -> str:
        return "a watching transport"

    async def send(self, message) -> None:
        rows = await OutboxMessage.select(OutboxMessage.id).where(
            OutboxMessage.claimed_until.is_not_null()).order_by(OutboxMessage.id)
        self.held.append([row["id"] for row in rows])


async def test_a_pass_takes_one_message_at_a_time(settings):
    """The lease starts when a message's own send starts, not when the pass began: the
    messages waiting behind a slow one are not held, and another sender may take them."""
    ids = [await queue_enrolment(settings, email=f"person{n}@example.org") for n in range(3)]
    watching = Watching()
    report = await mail.deliver_due(watching, settings=settings)
    assert sorted(report.sent) == ids
    assert sorted(watching.held) == [[message_id] for message_id in ids]
