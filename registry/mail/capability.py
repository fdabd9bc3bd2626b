import logging
from datetime import datetime, timedelta

from registry.capability import Capability, Job
from registry.mail import services
from registry.mail.cli import outbox
from registry.mail.transport import transport_for
from registry.settings import Settings

log = logging.getLogger("registry.mail")


def _jobs(settings: Settings) -> list[Job]:
    transport = transport_for(settings.smtp_url, settings.outbox_dir)
    log.info("mail: delivering through %s", transport.describe())

    async def send(settings: Settings, now: datetime) -> None:
        report = await services.deliver_due(transport, settings=settings)
        if report.sent or report.retrying or report.failed:
            log.info("mail: %d sent, %d to retry, %d given up", len(report.sent),
                     len(report.retrying), len(report.failed))

    return [Job("mail:outbox", timedelta(seconds=settings.outbox_poll_seconds), send)]


CAPABILITY = Capability(name="mail", commands=[outbox], jobs=_jobs)
