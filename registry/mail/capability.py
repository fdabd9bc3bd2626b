"""Mail: an outbox written with the change that causes a message, and a sender that
delivers it (SMTP, or .eml files) and retries until the server accepts it."""
import hashlib
import logging
from datetime import datetime, timedelta

from registry.capability import Capability, Job
from registry.mail import services
from registry.mail.cli import outbox
from registry.mail.transport import FileTransport, file_transport_refusal, transport_for
from registry.settings import Settings

log = logging.getLogger("registry.mail")
# How often a sender that may not send says so: loud enough to be seen, not a flood.
REFUSED_EVERY = timedelta(minutes=10)


def _sending(settings: Settings) -> Job:
    refusal = file_transport_refusal(settings)
    if refusal is not None:
        # Also when the app is run without `registry serve` (which refuses to start):
        # nothing is written, the messages wait, and the log says why.
        # A job of its own name: once the settings are mended, the sender runs at once.
        async def refuse(settings: Settings, now: datetime) -> None:
            log.error("mail: nothing is sent: %s", refusal)

        return Job("mail:outbox-refused", REFUSED_EVERY, refuse)

    transport = transport_for(settings.smtp_url, settings.outbox_dir)
    log.info("mail: delivering through %s", transport.describe())

    async def send(settings: Settings, now: datetime) -> None:
        report = await services.deliver_due(transport, settings=settings)
        if report.sent or report.retrying or report.failed:
            log.info("mail: %d sent, %d to retry, %d given up", len(report.sent),
                     len(report.retrying), len(report.failed))

    return Job("mail:outbox", timedelta(seconds=settings.outbox_poll_seconds), send)


FORGET_FILES = "mail:outbox-files"


def _forgetting(settings: Settings) -> Job:
    """Deletes the .eml files left longer than the keep time (also after a switch to
    SMTP, for the files written before)."""

    async def forget(settings: Settings, now: datetime) -> None:
        cutoff = now - timedelta(minutes=settings.outbox_file_keep_minutes)
        removed = FileTransport(settings.outbox_dir).remove_older_than(cutoff)
        if removed:
            log.info("mail: %d .eml file(s) older than %d minutes deleted", removed,
                     settings.outbox_file_keep_minutes)

    # Each folder its own job: the run is claimed in the database, shared by every host,
    # and each host with a data directory of its own must clean its own folder.
    folder = hashlib.sha256(str(settings.outbox_dir.resolve()).encode()).hexdigest()[:12]
    return Job(f"{FORGET_FILES}:{folder}", timedelta(minutes=1), forget)


def _jobs(settings: Settings) -> list[Job]:
    return [_sending(settings), _forgetting(settings)]


CAPABILITY = Capability(name="mail", commands=[outbox], jobs=_jobs)
