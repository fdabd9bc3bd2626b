"""Deadlines, one mechanism: scheduled, replaced, paused and resumed by one rule, acted
on at most once however many schedulers run; the pause is sealed in the database."""

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

from registry import db
from registry.audit import services as audit
from registry.audit.tables import AuditEvent
from registry.audit.tags import EventTag
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline

DAY = timedelta(days=1)


async def _acted(due: deadlines.Due, now: datetime) -> bool:
    # Something to count, written in the scheduler's transaction.
    await audit.record(EventTag.keys_data_key_rotated, actor=audit.SYSTEM,
                       subject=due.subject, details={"test": "acted"})
    return True


deadlines.register(deadlines.DeadlineKind("test:acts", _acted))
deadlines.register(deadlines.DeadlineKind("test:never_pauses", _acted, pauses=False))


def _subject() -> str:
    return f"test:{secrets.token_hex(4)}"


async def _times_acted(subject: str) -> int:
    return await AuditEvent.count().where(AuditEvent.subject == subject)


async def test_a_deadline_is_acted_on_once_when_it_falls_due(settings):
    subject, now = _subject(), datetime.now(UTC)
    async with db.write_transaction():
        await deadlines.schedule(subject, "test:acts", now + DAY, now=now)
        # Scheduling again replaces the open one: never two of a kind.
        await deadlines.schedule(subject, "test:acts", now + 2 * DAY, now=now)
    assert list(await deadlines.open_for(subject)) == ["test:acts"]
    assert (await deadlines.run_due(now + DAY)).done["test:acts"] == 0
    report = await deadlines.run_due(now + 2 * DAY)
    assert report.done["test:acts"] == 1 and await _times_acted(subject) == 1
    assert (await deadlines.run_due(now + 3 * DAY)).done["test:acts"] == 0
    assert await _times_acted(subject) == 1 and await deadlines.open_for(subject) == {}
    assert (await deadlines.last(subject, "test:acts")).outcome == "done"


async def test_several_schedulers_at_once_act_on_a_deadline_at_most_once(settings):
    now = datetime.now(UTC)
    subjects = [_subject() for _ in range(8)]
    async with db.write_transaction():
        for subject in subjects:
            await deadlines.schedule(subject, "test:acts", now - DAY, now=now)
    reports = await asyncio.gather(*(deadlines.run_due(now) for _ in range(5)))
    assert sum(report.done["test:acts"] for report in reports) == len(subjects)
    assert [await _times_acted(subject) for subject in subjects] == [1] * len(subjects)


async def test_pausing_stops_the_clock_and_resuming_moves_each_by_the_pause_it_saw(settings):
    subject, now = _subject(), datetime.now(UTC)
    async with db.write_transaction():
        await deadlines.schedule(subject, "test:acts", now + 10 * DAY, now=now,
                                 stated_at=now + 5 * DAY)
        await deadlines.schedule(subject, "test:never_pauses", now + 10 * DAY, now=now)
        await deadlines.pause(subject, now=now)
    # Made during the pause (as a caller does for a paused subject): paused from then.
    later = now + 30 * DAY
    async with db.write_transaction():
        await deadlines.schedule("x" + subject, "test:acts", later + DAY, now=later,
                                 paused_since=later)
    report = await deadlines.run_due(now + 40 * DAY)
    assert report.done["test:acts"] == 0 and report.done["test:never_pauses"] == 1
    assert report.paused >= 2
    resumed_at = now + 50 * DAY
    async with db.write_transaction():
        await deadlines.resume(subject, now=resumed_at)
        await deadlines.resume("x" + subject, now=resumed_at)
    moved = (await deadlines.open_for(subject))["test:acts"]
    assert moved.paused_since is None
    assert moved.due_at == now + 60 * DAY and moved.stated_at == now + 55 * DAY
    assert (await deadlines.open_for("x" + subject))["test:acts"].due_at == later + 21 * DAY


async def test_whether_a_deadline_is_paused_is_sealed(settings):
    subject, now = _subject(), datetime.now(UTC)
    async with db.write_transaction():
        await deadlines.schedule(subject, "test:acts", now + DAY, now=now)
        await deadlines.schedule("y" + subject, "test:acts", now + DAY, now=now)
        await deadlines.pause("y" + subject, now=now)
    running, paused = [row["paused"] for row in await Deadline.raw(
        "SELECT paused FROM deadline WHERE subject IN ({}, {}) ORDER BY subject",
        subject, "y" + subject)]
    assert running.startswith("enc1:") and paused.startswith("enc1:")
    assert len(running) == len(paused)  # not even the length tells
    assert str(now.year) not in paused


async def test_a_periodic_job_runs_once_a_period_however_many_schedulers(settings):
    from registry.capability import Job
    from registry.deadlines import scheduler

    runs: list[datetime] = []

    async def job(settings_, now: datetime) -> None:
        runs.append(now)

    daily = Job(f"test:{secrets.token_hex(4)}", DAY, job)
    now = datetime.now(UTC)
    ran = await asyncio.gather(*(scheduler.run_once([daily], settings, now) for _ in range(4)))
    assert sum(len(names) for names in ran) == 1 and len(runs) == 1
    assert await scheduler.run_once([daily], settings, now + DAY / 2) == []
    assert await scheduler.run_once([daily], settings, now + DAY) == [daily.name]
    assert len(runs) == 2
