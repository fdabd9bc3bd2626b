"""Limits: how often the public may make the registry act, per client and per address."""

from datetime import datetime, timedelta

from registry.capability import Capability, Job
from registry.limits import services
from registry.settings import Settings


async def _forget(settings: Settings, now: datetime) -> None:
    await services.forget_past(now)


def _jobs(settings: Settings) -> list[Job]:
    return [Job("limits:forget", timedelta(minutes=1), _forget)]


CAPABILITY = Capability(name="limits", jobs=_jobs)
