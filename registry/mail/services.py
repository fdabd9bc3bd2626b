"""Queueing and delivering mail.

`queue` joins the caller's transaction: the message exists exactly when the change that
caused it was committed. `deliver_due` takes due messages one at a time, each under a
short lease taken just before it is sent (so that several workers never send the same
one at once, and one claimed by a process that died goes out again within a minute),
and marks a message sent only after the server accepted it. A send is abandoned before
its lease lapses, so a live sender never holds a message another one has taken.

Delivery is therefore at least once: if a process dies between the server's acceptance
and the mark, the message goes out again after the lease; its Message-ID stays the
same, so mail clients can tell. Whatever goes wrong with one message (the server refuses
it, its ciphertext is damaged, it was sealed with a key this host does not hold) is a
failed attempt of that message alone: it is retried with backoff, then given up with an
audit event, and the pass goes on with the others.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from registry import db
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.keys.sealed import seal, unseal
from registry.mail import rendering
from registry.mail.tables import MessageStatus, OutboxMessage
from registry.mail.transport import DeliveryError, Transport
from registry.settings import Settings

log = logging.getLogger("registry.mail")
# A send is abandoned after SEND_TIMEOUT, well within the lease: the lease can lapse only
# if the process holding it died (or froze), and then the message is retried within a
# minute (the lease, plus at most one poll of the outbox).
SEND_TIMEOUT = timedelta(seconds=30)
LEASE = timedelta(seconds=45)
PASS_LIMIT = 50  # messages per pass, and
PASS_SECONDS = 60.0  # how long a pass goes on taking new ones: the other jobs wait for it
_ID = OutboxMessage._meta.primary_key
_ENCRYPTED = ("recipient", "subject", "body_text", "body_html")


def _now() -> datetime:
    return datetime.now(UTC)


async def queue(recipient: str, template: str, *, language: str, context: dict[str, Any]) -> int:
    """Put a message in the outbox, inside the caller's transaction."""
    rendered = rendering.render(template, language=language, context=context)
    now = _now()
    rows = await OutboxMessage.insert(OutboxMessage(
        template=template,
        language=language,
        recipient=seal(OutboxMessage.recipient, recipient),
        subject=seal(OutboxMessage.subject, rendered.subject),
        body_text=seal(OutboxMessage.body_text, rendered.text),
        body_html=seal(OutboxMessage.body_html, rendered.html),
        # Random and short: no time or process id in it, and never folded over two lines.
        message_id=f"<{secrets.token_hex(16)}@principles-registry>",
        status=MessageStatus.pending,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    ))
    return rows[0]["id"]


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour, with jitter so retries do not align."""
    seconds = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - not secret


async def claim_next(*, now: datetime | None = None, skip: Collection[int] = ()) -> int | None:
    """Take a lease on the next due message (not one of `skip`); another sender skips it
    until the lease lapses. None when nothing is due."""
    now = now or _now()
    free = OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now)
    due = (OutboxMessage.status == MessageStatus.pending) & (
        OutboxMessage.next_attempt_at <= now) & free
    if skip:
        due &= _ID.not_in(list(skip))
    # A few candidates, in case other senders take the first ones meanwhile.
    for row in await OutboxMessage.select(_ID).where(due).order_by(
            OutboxMessage.next_attempt_at).limit(5):
        taken = await OutboxMessage.update({OutboxMessage.claimed_until: now + LEASE}).where(
            (_ID == row["id"]) & (OutboxMessage.status == MessageStatus.pending) & free
        ).returning(_ID)
        if taken:
            return row["id"]
    return None


def build_message(row: dict, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = unseal(OutboxMessage.recipient, row["recipient"])
    message["Subject"] = unseal(OutboxMessage.subject, row["subject"])
    message["Message-ID"] = row["message_id"]
    message["Date"] = format_datetime(row["created_at"])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(unseal(OutboxMessage.body_text, row["body_text"]))
    message.add_alternative(unseal(OutboxMessage.body_html, row["body_html"]), subtype="html")
    # After the body: setting the content replaces every Content-* header.
    message["Content-Language"] = row["language"]
    return message


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def deliver_due(transport: Transport, *, settings: Settings,
                      now: datetime | None = None) -> DeliveryReport:
    """One pass: send every due message this process could claim (up to PASS_LIMIT, for
    up to PASS_SECONDS)."""
    report = DeliveryReport()
    handled: list[int] = []
    started = time.monotonic()
    while len(handled) < PASS_LIMIT and time.monotonic() - started < PASS_SECONDS:
        message_id = await claim_next(now=now, skip=handled)
        if message_id is None:
            break
        handled.append(message_id)
        try:
            await _deliver(message_id, transport, settings=settings, report=report)
        except Exception as error:  # the database's trouble: the lease brings it back
            log.error("mail %s could not be handled (%s); it is retried after its lease",
                      message_id, type(error).__name__)
    return report


async def _deliver(message_id: int, transport: Transport, *, settings: Settings,
                   report: DeliveryReport) -> None:
    row = await OutboxMessage.select().where(_ID == message_id).first()
    if row is None:
        return
    try:
        message = build_message(row, sender=settings.mail_from)
        async with asyncio.timeout(SEND_TIMEOUT.total_seconds()):
            await transport.send(message)
    except Exception as error:  # refused, timed out, or cannot be opened: all one attempt
        await _record_failure(row, error, settings=settings, report=report)
        return
    await OutboxMessage.update({
        OutboxMessage.status: MessageStatus.sent,
        OutboxMessage.sent_at: _now(),
        OutboxMessage.claimed_until: None,
        OutboxMessage.attempts: row["attempts"] + 1,
    }).where(_ID == message_id)
    report.sent.append(message_id)


def _described(error: Exception) -> tuple[str, str]:
    """The kind of failure, a word that names no one (for the log and the audit), and
    its words, which may (a server's reply names the address), so they are kept sealed."""
    if isinstance(error, TimeoutError):
        return "TimeoutError", f"not sent within {SEND_TIMEOUT.total_seconds():.0f} s"
    if isinstance(error, DeliveryError):
        return type(error.__cause__ or error).__name__, str(error)
    return type(error).__name__, f"{type(error).__name__}: {error}"


async def _record_failure(row: dict, error: Exception, *, settings: Settings,
                          report: DeliveryReport) -> None:
    attempts = row["attempts"] + 1
    gave_up = attempts >= settings.outbox_max_attempts
    kind, words = _described(error)
    log.warning("mail %s (%s) attempt %s failed (%s)%s", row["id"], row["template"],
                attempts, kind, ", giving up" if gave_up else "")
    async with db.write_transaction():
        await OutboxMessage.update({
            OutboxMessage.attempts: attempts,
            OutboxMessage.status: MessageStatus.failed if gave_up else MessageStatus.pending,
            OutboxMessage.next_attempt_at: _now() + backoff(attempts),
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: seal(OutboxMessage.last_error, words[:2000]),
        }).where(_ID == row["id"])
        if gave_up:
            await audit.record(EventTag.mail_message_failed, actor=audit.SYSTEM,
                               subject=f"mail:{row['id']}",
                               details={"template": row["template"], "attempts": attempts,
                                        "error": kind})
    (report.failed if gave_up else report.retrying).append(row["id"])


async def pending_count() -> int:
    return await OutboxMessage.count().where(OutboxMessage.status == MessageStatus.pending)
