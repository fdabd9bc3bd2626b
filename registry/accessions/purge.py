"""Forgetting what need not be kept: unconfirmed applications after a week, rejected
ones after three months (both configurable). A daily job of `registry serve`, and on
demand `registry purge`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from registry import db
from registry.accessions import services
from registry.accessions.tables import Accession, AccessionStatus
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.settings import Settings

log = logging.getLogger("registry.purge")


@dataclass(frozen=True)
class PurgeReport:
    unconfirmed: int
    rejected: int


async def purge(settings: Settings, *, actor: audit.Actor,
                now: datetime | None = None) -> PurgeReport:
    now = now or datetime.now(UTC)
    unconfirmed_before = now - timedelta(days=settings.purge_unconfirmed_days)
    rejected_before = now - timedelta(days=settings.purge_rejected_days)
    pk = Accession._meta.primary_key
    async with db.write_transaction():
        await db.serialise("accessions:purge")
        unconfirmed = [r["id"] for r in await Accession.select(pk.as_alias("id")).where(
            (Accession.status == AccessionStatus.pending_confirmation)
            & (Accession.submitted_at < unconfirmed_before))]
        rejected = [r["id"] for r in await Accession.select(pk.as_alias("id")).where(
            (Accession.status == AccessionStatus.rejected)
            & (Accession.decided_at < rejected_before))]
        doomed = unconfirmed + rejected
        if doomed:
            await services.forget(doomed)
            await audit.record(EventTag.accession_applications_purged, actor=actor,
                               details={"unconfirmed": len(unconfirmed),
                                        "rejected": len(rejected)})
    return PurgeReport(unconfirmed=len(unconfirmed), rejected=len(rejected))


async def run(settings: Settings, now: datetime) -> None:
    """The daily job inside `registry serve`."""
    report = await purge(settings, actor=audit.SYSTEM, now=now)
    if report.unconfirmed or report.rejected:
        log.info("purge: %d unconfirmed and %d rejected applications removed",
                 report.unconfirmed, report.rejected)
