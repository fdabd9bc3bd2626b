"""The one scheduler of `serve`: each capability registers its periodic jobs (deadlines
falling due, the purge, fresh status lists, the outbox), and every process runs them.

A job's run is claimed in the database before it starts (`scheduled_job.next_run_at`
moves on by the job's period), so with several processes a daily job still runs once a
day. A run that fails is logged and the job runs again at its next period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from registry import db
from registry.capability import Job
from registry.deadlines.tables import ScheduledJob
from registry.settings import Settings

log = logging.getLogger("registry.scheduler")
TICK = 1.0  # seconds between looks at the job table's clock


def _now() -> datetime:
    return datetime.now(UTC)


async def claim(job: Job, now: datetime, looks: dict[str, datetime] | None = None) -> bool:
    """Take this period's run of the job; False if another process took it (then
    `looks` learns when to look again)."""
    async with db.write_transaction():
        row = await ScheduledJob.select().where(ScheduledJob.name == job.name).first()
        if row is None:  # the first run ever; two processes may both try
            inserted = await ScheduledJob.insert(ScheduledJob(
                name=job.name, next_run_at=now + job.every, last_run_at=now)).on_conflict(
                action="DO NOTHING").returning(ScheduledJob.name)
            return bool(inserted)
        if row["next_run_at"] > now:
            if looks is not None:
                looks[job.name] = row["next_run_at"]
            return False
        # The next run counts from now: a scheduler that was stopped for a week runs a
        # daily job once, not seven times.
        claimed = await ScheduledJob.update({ScheduledJob.next_run_at: now + job.every,
                                             ScheduledJob.last_run_at: now}).where(
            (ScheduledJob.name == job.name)
            & (ScheduledJob.next_run_at == row["next_run_at"])).returning(ScheduledJob.name)
        return bool(claimed)


async def run_once(jobs: list[Job], settings: Settings, now: datetime | None = None,
                   looks: dict[str, datetime] | None = None) -> list[str]:
    """Run every job whose time has come (in this process, if it claims it); returns the
    names of those run. `looks` (when this process next looks at each job's row) keeps
    the database from being asked at every tick."""
    ran = []
    for job in jobs:
        now_ = now or _now()
        if looks is not None:
            if looks.get(job.name, now_) > now_:
                continue
            looks[job.name] = now_ + job.every
        try:
            if not await claim(job, now_, looks):
                continue
            ran.append(job.name)
            await job.run(settings, now_)
        except Exception:  # one job's trouble must not stop the others
            log.exception("scheduled job %s failed", job.name)
    return ran


async def run_forever(jobs: list[Job], settings: Settings, stop: asyncio.Event) -> None:
    """Run the jobs until `stop` is set (the app's lifespan sets it on shutdown)."""
    looks: dict[str, datetime] = {}
    tick = min([TICK, *(job.every.total_seconds() for job in jobs)])
    while not stop.is_set():
        await run_once(jobs, settings, looks=looks)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick)
