"""Queueing and delivering mail.

`queue` joins the caller's transaction: the message exists exactly when the change that
caused it was committed. `deliver_due` claims due messages (a lease, so that several
workers never send the same one at once), sends them, and marks a message sent only
after the server accepted it. Delivery is therefore at least once: if a process dies
between the server's acceptance and the mark, the message goes out again after the
lease; its Message-ID stays the same, so mail clients can tell.
"""

from __future__ import annotations

import logging
import random
import secrets
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
LEASE = timedelta(minutes=5)
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


async def claim_due(*, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Take a lease on due messages; another sender skips them until it lapses."""
    now = now or _now()
    due = await OutboxMessage.select(_ID).where(
        (OutboxMessage.status == MessageStatus.pending)
        & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
    ).order_by(OutboxMessage.next_attempt_at).limit(limit)
    claimed = []
    for row in due:
        taken = await OutboxMessage.update({OutboxMessage.claimed_until: now + LEASE}).where(
            (_ID == row["id"]) & (OutboxMessage.status == MessageStatus.pending)
            & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
        ).returning(_ID)
        if taken:
            claimed.append(row["id"])
    return claimed


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
    """One pass: send every due message this process could claim."""
    report = DeliveryReport()
    for message_id in await claim_due(now=now):
        row = await OutboxMessage.select().where(_ID == message_id).first()
        if row is None:
            continue
        try:
            await transport.send(build_message(row, sender=settings.mail_from))
        except DeliveryError as error:
            await _record_failure(row, str(error), settings=settings, report=report)
            continue
        await OutboxMessage.update({
            OutboxMessage.status: MessageStatus.sent,
            OutboxMessage.sent_at: _now(),
            OutboxMessage.claimed_until: None,
            OutboxMessage.attempts: row["attempts"] + 1,
        }).where(_ID == message_id)
        report.sent.append(message_id)
    return report


async def _record_failure(row: dict, error: str, *, settings: Settings,
                          report: DeliveryReport) -> None:
    attempts = row["attempts"] + 1
    gave_up = attempts >= settings.outbox_max_attempts
    log.warning("mail %s (%s) attempt %s failed%s", row["id"], row["template"], attempts,
                ", giving up" if gave_up else "")
    async with db.write_transaction():
        await OutboxMessage.update({
            OutboxMessage.attempts: attempts,
            OutboxMessage.status: MessageStatus.failed if gave_up else MessageStatus.pending,
            OutboxMessage.next_attempt_at: _now() + backoff(attempts),
            OutboxMessage.claimed_until: None,
            OutboxMessage.last_error: seal(OutboxMessage.last_error, error[:2000]),
        }).where(_ID == row["id"])
        if gave_up:
            await audit.record(EventTag.mail_message_failed, actor=audit.SYSTEM,
                               subject=f"mail:{row['id']}",
                               details={"template": row["template"], "attempts": attempts})
    (report.failed if gave_up else report.retrying).append(row["id"])


async def pending_count() -> int:
    return await OutboxMessage.count().where(OutboxMessage.status == MessageStatus.pending)
