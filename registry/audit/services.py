"""Recording and reading audit events.

`record` never opens a transaction of its own: it joins the caller's, so the event and
the change it describes are committed together or not at all.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from registry.audit.tables import AuditEvent
from registry.audit.tags import SEALED, EventTag
from registry.keys.fields import DecryptionError
from registry.keys.sealed import seal, unseal


@dataclass(frozen=True)
class Actor:
    kind: Literal["staff", "operator", "system", "anonymous"]
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else self.kind


SEALED_WIDTH = 512
ANONYMOUS = Actor("anonymous")
SYSTEM = Actor("system")


def operator() -> Actor:
    """Whoever runs the `registry` command on the server."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor("operator", name[:80])


def staff_actor(staff_id: int) -> Actor:
    return Actor("staff", str(staff_id))


async def record(
    tag: EventTag,
    *,
    actor: Actor,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    sealed: bool = False,
) -> None:
    """Record an event in the caller's transaction. Sealed whole (its tag too) if its tag
    is among SEALED, or if `sealed` says this one must be (an accession's suspension
    that a case decided: its details would say whom the case concerns)."""
    event = AuditEvent(occurred_at=datetime.now(UTC), actor=str(actor), tag=tag.value,
                       subject=subject, details=details or {})
    if tag in SEALED or sealed:
        # Padded to one length: a copy of the database cannot tell which event it is.
        event.sealed_record = seal(AuditEvent.sealed_record, json.dumps(
            {"tag": tag.value, "subject": subject, "details": details or {}}).ljust(SEALED_WIDTH))
        event.tag, event.subject, event.details = EventTag.audit_event_sealed.value, None, {}
    await AuditEvent.insert(event)


@dataclass(frozen=True)
class EventFilter:
    tag_prefix: str | None = None
    actor: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    event_filter: EventFilter, *, before_id: int | None = None, limit: int = 50
) -> list[dict]:
    """Newest first, `limit` at a time; pass the last id seen as `before_id` for more.
    Sealed events are opened here, for staff, and filtered once opened."""
    found: list[dict] = []
    while len(found) < limit:
        query = AuditEvent.select().output(load_json=True).order_by(
            AuditEvent._meta.primary_key, ascending=False).limit(limit)
        shown: Any = None
        if event_filter.tag_prefix:
            shown = AuditEvent.tag.like(_prefix(event_filter.tag_prefix))
        if event_filter.subject:
            subject = AuditEvent.subject == event_filter.subject
            shown = subject if shown is None else shown & subject
        if shown is not None:  # a sealed event may match once opened
            query = query.where(shown | (AuditEvent.tag == EventTag.audit_event_sealed))
        if event_filter.actor:
            query = query.where(AuditEvent.actor == event_filter.actor)
        if event_filter.since:
            query = query.where(AuditEvent.occurred_at >= event_filter.since)
        if event_filter.until:
            query = query.where(AuditEvent.occurred_at < event_filter.until)
        if before_id is not None:
            query = query.where(AuditEvent._meta.primary_key < before_id)
        rows = await query
        found += [event for event in map(_opened, rows)
                  if not event.get("sealed") or _matches(event, event_filter)]
        if len(rows) < limit:
            break
        before_id = rows[-1]["id"]
    return found[:limit]


def _opened(row: dict) -> dict:
    if row.get("sealed_record") is None:
        return row
    try:
        opened = json.loads(unseal(AuditEvent.sealed_record, row["sealed_record"]))
    except DecryptionError:  # sealed with a key this host does not hold: say so, go on
        opened = {"details": {"sealed": "not readable with this host's data keys"}}
    return {**row, **opened, "sealed": True}


def _matches(event: dict, event_filter: EventFilter) -> bool:
    """The filter applied to an opened sealed event (the others matched in SQL)."""
    if event_filter.tag_prefix and not event["tag"].startswith(
            event_filter.tag_prefix.replace("%", "")):
        return False
    return not (event_filter.subject and event["subject"] != event_filter.subject)


def _prefix(value: str) -> str:
    # "%" is dropped; "_" stays a one-character wildcard (escaping it differs between
    # SQLite and PostgreSQL), which can only widen a tag filter slightly.
    return value.replace("%", "") + "%"
