"""Recording and reading audit events.

`record` never opens a transaction of its own: it joins the caller's, so the event and
the change it describes are committed together or not at all.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from registry.audit.tables import AuditEvent
from registry.audit.tags import EventTag


@dataclass(frozen=True)
class Actor:
    kind: Literal["staff", "operator", "system", "anonymous"]
    id: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else self.kind


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
) -> None:
    await AuditEvent.insert(AuditEvent(
        occurred_at=datetime.now(UTC),
        actor=str(actor),
        tag=tag.value,
        subject=subject,
        details=details or {},
    ))


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
    """Newest first, `limit` at a time; pass the last id seen as `before_id` for more."""
    query = AuditEvent.select().output(load_json=True).order_by(
        AuditEvent._meta.primary_key, ascending=False).limit(limit)
    if event_filter.tag_prefix:
        query = query.where(AuditEvent.tag.like(_prefix(event_filter.tag_prefix)))
    if event_filter.actor:
        query = query.where(AuditEvent.actor == event_filter.actor)
    if event_filter.subject:
        query = query.where(AuditEvent.subject == event_filter.subject)
    if event_filter.since:
        query = query.where(AuditEvent.occurred_at >= event_filter.since)
    if event_filter.until:
        query = query.where(AuditEvent.occurred_at < event_filter.until)
    if before_id is not None:
        query = query.where(AuditEvent._meta.primary_key < before_id)
    return await query


def _prefix(value: str) -> str:
    # "%" is dropped; "_" stays a one-character wildcard (escaping it differs between
    # SQLite and PostgreSQL), which can only widen a tag filter slightly.
    return value.replace("%", "") + "%"
