"""Unconfirmed and rejected applications are forgotten after the configured periods."""

from datetime import UTC, datetime, timedelta

from registry.accessions import review
from registry.accessions.purge import purge
from registry.accessions.tables import Accession, AccessionLink
from registry.audit.services import SYSTEM
from tests.accessions.test_review import applied
from tests.accessions.test_submission import FORM
from tests.staff.helpers import events_after, last_event_id


async def test_purge_removes_only_what_is_due(client, synced, run_cli):
    await client.post("/api/v1/accessions", json={**FORM, "contact_email": "old@example.org"})
    await client.post("/api/v1/accessions", json={**FORM, "contact_email": "new@example.org"})
    rejected = await applied(client, contact_email="rejected@example.org")
    await review.reject(rejected, "Not a human rights organisation.", actor=SYSTEM,
                        settings=synced)
    active = await applied(client, contact_email="active@example.org")
    await review.approve(active, actor=SYSTEM, settings=synced)
    assert await Accession.count() == 4

    eight_days = datetime.now(UTC) + timedelta(days=8)
    before = await last_event_id()
    # Eight days on, all unconfirmed ones are due; the rejection is not (90 days).
    report = await purge(synced, actor=SYSTEM, now=eight_days)
    assert (report.unconfirmed, report.rejected) == (2, 0)
    assert await Accession.count() == 2
    [event] = await events_after(before, tag="accession:applications:purged")
    assert event["details"] == {"unconfirmed": 2, "rejected": 0}

    report = await purge(synced, actor=SYSTEM, now=datetime.now(UTC) + timedelta(days=91))
    assert (report.unconfirmed, report.rejected) == (0, 1)
    statuses = [r["status"] for r in await Accession.select(Accession.status)]
    assert statuses == ["active"]
    assert await AccessionLink.count() == await AccessionLink.count().where(
        AccessionLink.accession.is_in([r["id"] for r in await Accession.select(Accession.id)]))

    result = run_cli("purge")
    assert result.code == 0 and "Removed 0 unconfirmed and 0 rejected" in result.out
