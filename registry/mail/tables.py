"""The outbox. Everything personal in a message is encrypted at rest."""

from enum import StrEnum

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry.keys.sealed import sealed


class MessageStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after the configured number of attempts


class OutboxMessage(Table, tablename="mail_outbox"):
    Status = MessageStatus

    # What kind of message (a template name): not personal, useful to operators.
    template = Varchar(length=100)
    language = Varchar(length=16)
    recipient = sealed(Text())
    subject = sealed(Text())
    body_text = sealed(Text())
    body_html = sealed(Text())
    message_id = Varchar(length=200, unique=True)
    status = Varchar(length=20, choices=MessageStatus, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    # A sender that claimed the message holds it until then; if it dies, the claim
    # lapses and another pass delivers the message.
    claimed_until = Timestamptz(null=True, default=None)
    last_error = sealed(Text(null=True, default=None))  # server replies name addresses
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
