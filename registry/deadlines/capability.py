import logging
from datetime import datetime, timedelta

from registry.capability import Capability, Job
from registry.deadlines import services as deadlines
from registry.deadlines.cli import deadlines_group
from registry.settings import Settings

log = logging.getLogger("registry.deadlines")


async def _due(settings: Settings, now: datetime) -> None:
    report = await deadlines.run_due(now)
    if report.done or report.failed:
        log.info("deadlines: %s", report)


CAPABILITY = Capability(
    name="deadlines",
    commands=[deadlines_group],
    jobs=lambda settings: [Job("deadlines:due", timedelta(minutes=1), _due)],
)
