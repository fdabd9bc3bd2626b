"""Anonymous failures counted per window, and recorded as one audit event per window.

Anyone can fail to log in, or send a form that is refused, as often as they like without
being anyone: an audit event for each would let them fill the append-only trail (its
triggers refuse DELETE) with rows that say nothing more than "again". Each such failure
adds one to its window's count instead. Once the window is over, its counts are recorded
as one event per tag, saying how many and why, and the rows are deleted: by the
scheduler's job, or by the first counted failure of a later window, whichever comes first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from registry import db
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.limits import services as limits
from registry.settings import Settings
from registry.staff.tables import FailureTally


def window_start(settings: Settings, now: datetime) -> datetime:
    """The start of the window `now` falls in (the login throttle's windows)."""
    return limits.window_of(now, timedelta(minutes=settings.login_window_minutes))


async def count(tag: EventTag, reason: str, *, settings: Settings, now: datetime) -> None:
    """One more failure of this kind in the current window, in the caller's transaction."""
    # The same upsert in both engines' dialects, against the unique index of the table.
    await FailureTally.raw(
        "INSERT INTO staff_failure_tally (window_start, tag, reason, failures) "
        "VALUES ({}, {}, {}, 1) ON CONFLICT (window_start, tag, reason) "
        "DO UPDATE SET failures = staff_failure_tally.failures + 1",
        window_start(settings, now), tag.value, reason[:40])


async def record_closed(settings: Settings, now: datetime) -> int:
    """Record the counts of every window that is over, one event per window and tag, and
    forget them; returns how many events were written. Workers racing here each record
    only the rows they deleted, so a count is recorded once."""
    current = window_start(settings, now)
    if not await FailureTally.exists().where(FailureTally.window_start < current):
        return 0
    async with db.write_transaction():
        rows = await FailureTally.delete().where(
            FailureTally.window_start < current).returning(
            FailureTally.window_start, FailureTally.tag, FailureTally.reason,
            FailureTally.failures)
        windows: dict[tuple[datetime, str], dict[str, int]] = {}
        for row in rows:
            reasons = windows.setdefault((row["window_start"], row["tag"]), {})
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["failures"]
        for (start, tag), reasons in sorted(windows.items()):
            await audit.record(EventTag(tag), actor=audit.ANONYMOUS, details={
                "window_start": start.astimezone(UTC).isoformat(),
                "window_minutes": settings.login_window_minutes,
                "failures": sum(reasons.values()), "reasons": dict(sorted(reasons.items()))})
    return len(windows)


async def run(settings: Settings, now: datetime) -> None:
    """The scheduler's job: record the windows that are over."""
    await record_closed(settings, now)
