"""The sender that runs inside `registry serve`: a pass over the outbox every few seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from registry.mail import services
from registry.mail.transport import transport_for
from registry.settings import Settings

log = logging.getLogger("registry.mail")


async def run_forever(settings: Settings, stop: asyncio.Event) -> None:
    transport = transport_for(settings.smtp_url, settings.outbox_dir)
    log.info("mail: delivering through %s", transport.describe())
    while not stop.is_set():
        try:
            report = await services.deliver_due(transport, settings=settings)
            if report.sent or report.retrying or report.failed:
                log.info("mail: %d sent, %d to retry, %d given up", len(report.sent),
                         len(report.retrying), len(report.failed))
        except Exception:
            # A broken pass (database briefly away) must not stop later passes.
            log.exception("mail: delivery pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.outbox_poll_seconds)
