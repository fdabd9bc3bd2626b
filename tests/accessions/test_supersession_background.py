"""A new version in force supersedes the accessions to older ones in the background
(issue 12, point 10): the sync commits the version alone, the job supersedes a batch per
transaction afterwards, and no reader meanwhile shows a status the version made stale;
a change of a signatory the job has not reached yet supersedes it first.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

from registry import db
from registry.accessions import lifecycle, register, supersession
from registry.accessions.capability import CAPABILITY
from registry.accessions.holders import LAPSE, SUPERSESSION, persecution_mark, subject_of
from registry.accessions.tables import Accession, Signatory
from registry.audit.services import SYSTEM
from registry.badges import services as badges
from registry.deadlines import scheduler
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline
from registry.facts.tables import PublicFact
from registry.keys.sealed import seal, seal_moment
from registry.mail.services import build_message
from registry.mail.tables import OutboxMessage
from registry.principles import services as principles
from registry.principles.tables import PrinciplesVersion
from registry.refusals import Conflict
from tests.accessions.test_lifecycle import add_version, supersede_in_background
from tests.factories import signatory_row

SUPERSEDED_MAIL = "Version 1.1 of the Principles came into force"
SUPERSEDED_COLOUR = "#8a5a00"  # the badge's colour for "active · new version in force"


async def seed(count: int, *, prefix: str = "old", status: str = "active",
               batch: int = 500) -> list[str]:
    """`count` signatories as acceptance leaves them (version 1.0, listed in public), in
    bulk, each with its own contact address; their public ids, in order of rows. The ids
    are new to the run: public facts (their history) outlive each test."""
    prefix += secrets.token_hex(3)
    version = await PrinciplesVersion.select(PrinciplesVersion._meta.primary_key).where(
        PrinciplesVersion.version_id == "1.0").first()
    now = datetime.now(UTC)
    ids = [f"{prefix}{n:06d}" for n in range(count)]
    for start in range(0, count, batch):
        chunk = ids[start:start + batch]
        async with db.write_transaction():
            inserted = await Signatory.insert(*[Signatory(
                public_id=public_id, kind="organisation", listing="public", status=status,
                version_id="1.0", name=seal(Signatory.name, f"Centre {public_id}"),
                register_name=f"Centre {public_id}", search_key=f"centre {public_id}",
                acceded_at=now, created_at=now, persecution=persecution_mark(None))
                for public_id in chunk])
            await Accession.insert(*[Accession(
                public_id=f"a{public_id}", version=version["id"], status=status,
                email_lookup=f"{public_id:0>64}",
                application=seal(Accession.application, json.dumps({
                    "public_name": f"Centre {public_id}", "listing": "public",
                    "language": "en", "representative_name": "Alena",
                    "contact_email": f"{public_id}@example.org"})),
                statement=seal(Accession.statement, "{}"), statement_hash="0" * 64,
                signatory=row["id"], submitted_at=now, confirmed_at=now,
                confirmation_sent_at=now, decided_at=now)
                for public_id, row in zip(chunk, inserted, strict=True)])
            if status == "active":
                await Deadline.insert(*[Deadline(
                    subject=subject_of(public_id), kind=LAPSE,
                    due_at=now + timedelta(days=395), stated_at=now + timedelta(days=365),
                    paused=seal_moment(Deadline.paused, None), created_at=now)
                    for public_id in chunk])
    return ids


async def with_badge(public_id: str, settings) -> str:
    row = await Signatory.select(Signatory._meta.primary_key).where(
        Signatory.public_id == public_id).first()
    async with db.write_transaction():
        await badges.refresh(row["id"], settings=settings)
    badge = await badges.badge_of_signatory(public_id)
    assert badge is not None
    return badge


async def superseded_mails() -> dict[str, int]:
    """How many "superseded" mails each address has in the outbox."""
    counted: dict[str, int] = {}
    for row in await OutboxMessage.select():
        message = build_message(row, sender="registry@example.org")
        if SUPERSEDED_MAIL in message.get_body(("plain",)).get_content():
            counted[message["To"]] = counted.get(message["To"], 0) + 1
    return counted


async def superseded_facts() -> int:
    return await PublicFact.count().where(PublicFact.kind == "accession:superseded")


async def statuses() -> dict[str, int]:
    counted: dict[str, int] = {}
    for row in await Signatory.select(Signatory.status):
        counted[row["status"]] = counted.get(row["status"], 0) + 1
    return counted


async def new_version(principles_copy) -> tuple[float, list[str]]:
    """Version 1.1 comes into force, as `serve` does it at start-up; seconds it took."""
    add_version(principles_copy)
    began = time.perf_counter()
    report = await principles.sync(principles_copy, actor=SYSTEM)
    return time.perf_counter() - began, report.lines


async def listed_ids(status: str) -> set[str]:
    found, cursor = set(), None
    while True:
        page = await register.search(status=status, cursor=cursor, limit=200)
        found |= {entry.id for entry in page.entries}
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


async def test_the_sync_supersedes_nobody_and_every_reader_shows_them_superseded(
        client, synced, principles_copy):
    old = await seed(300)
    badge = await with_badge(old[0], synced)
    # Every reader has seen the badge active (and may keep it).
    assert (await client.get(f"/api/v1/badges/{badge}")).json()["status"] == "active"
    svg = (await client.get(f"/badges/{badge}.svg")).text
    assert SUPERSEDED_COLOUR not in svg
    facts_before = await superseded_facts()

    took, lines = await new_version(principles_copy)

    assert "1.1: 300 accession(s) to older versions superseded (in the background)" in lines
    # Nothing was superseded in the sync's transaction: no status, fact or mail.
    assert await statuses() == {"active": 300}
    assert await superseded_facts() == facts_before and await superseded_mails() == {}
    assert took < 5, took  # superseding 300 there took about 6 seconds
    # ... yet no reader shows one of them active.
    assert await listed_ids("active") == set()
    assert await listed_ids("superseded") == set(old)
    assert (await register.find(old[7])).status == "superseded"
    public = await client.get(f"/api/v1/signatories/{old[7]}")
    assert public.json()["status"] == "superseded"
    assert (await client.get("/api/v1/signatories", params={"status": "active"})
            ).json()["signatories"] == []
    assert (await client.get(f"/api/v1/badges/{badge}")).json()["status"] == "superseded"
    verified = (await client.post("/api/v1/verify", json={"badge_id": badge})).json()
    assert verified["status"] == "superseded", verified
    assert SUPERSEDED_COLOUR in (await client.get(f"/badges/{badge}.svg")).text
    page = await lifecycle.staff_list(1, size=300)
    assert {view.status for view in page.views} == {"superseded"}
    assert (await lifecycle.staff_find(old[9])).status == "superseded"
    # A status list bit never moves for it: superseded badges stand, as active ones do.
    assert (await badges.find(badge)).status in badges.GOOD


async def test_the_job_supersedes_a_batch_per_transaction_until_none_is_left(
        synced, principles_copy):
    batch = lifecycle.BATCH
    old = await seed(2 * batch + batch // 2)
    await new_version(principles_copy)
    since = (await supersession.in_force()).since
    facts_before = await superseded_facts()
    reached = []
    while done := len((await lifecycle.supersede_batch(synced)).done):
        reached.append(done)
        # Each transaction superseded exactly what it reached, and nothing more.
        assert await superseded_facts() - facts_before == sum(reached)
        assert (await statuses()).get("superseded") == sum(reached)
        await asyncio.sleep(0.05)  # batches at different moments ...
    assert reached == [batch, batch, batch // 2]
    assert await statuses() == {"superseded": len(old)}
    # ... and one grace end for everyone: from when the version came into force.
    ends = {(await deadlines.open_for(subject_of(public_id)))[SUPERSESSION].due_at
            for public_id in old}
    assert ends == {since + timedelta(days=synced.supersede_grace_days)}
    for public_id in old[:5]:  # the year no longer governs
        assert LAPSE not in await deadlines.open_for(subject_of(public_id))
    # Done: another run reaches nobody, and mails nobody again.
    assert await lifecycle.supersede_older(synced, datetime.now(UTC)) == 0
    mailed = await superseded_mails()
    assert set(mailed) == {f"{public_id}@example.org" for public_id in old}
    assert set(mailed.values()) == {1}


async def test_a_change_before_the_job_reaches_a_signatory_supersedes_it_first(
        client, synced, principles_copy):
    gap, refused, other = await seed(3)
    await new_version(principles_copy)
    until = datetime.now(UTC) + timedelta(days=30)
    await lifecycle.suspend(gap, until=until, decision="P-1", actor=SYSTEM, settings=synced)
    row = await signatory_row(gap)
    assert row["status"] == "suspended"
    # As for a signatory the job had superseded: its grace period runs, its year is over.
    assert row["grace_until"] == (await supersession.in_force()).since + timedelta(
        days=synced.supersede_grace_days)
    assert row["reaffirm_due"] is None
    history = [event["event"] for event in (await client.get(
        f"/api/v1/signatories/{gap}")).json()["history"]]
    assert history == ["superseded", "suspended"]
    # A change refused rolls its catching up back with it: nothing is half-written.
    async with db.write_transaction():
        from registry.accessions.holders import locked

        assert (await locked(refused)).status == "superseded"
    try:
        async with db.write_transaction():
            await locked(other)
            raise Conflict("refused")
    except Conflict:
        pass
    assert (await Signatory.select(Signatory.status).where(
        Signatory.public_id == other).first())["status"] == "active"

    # The job reaches only the one nobody changed, and supersedes nobody twice.
    assert await supersede_in_background(synced) == 1
    assert (await signatory_row(gap))["status"] == "suspended"
    assert await statuses() == {"suspended": 1, "superseded": 2}
    mailed = await superseded_mails()
    assert mailed == {f"{public_id}@example.org": 1 for public_id in (gap, refused, other)}
    superseded = await PublicFact.count().where(
        (PublicFact.kind == "accession:superseded")
        & PublicFact.subject.is_in([f"signatory:{p}" for p in (gap, refused, other)]))
    assert superseded == 3


async def test_jobs_running_at_once_mail_each_signatory_once(synced, principles_copy):
    old = await seed(120)
    lapsed = await seed(30, prefix="lapsed", status="lapsed")
    await new_version(principles_copy)

    async def job() -> int:
        reached = 0
        while done := len((await lifecycle.supersede_batch(synced, limit=25)).done):
            reached += done
        return reached

    await asyncio.gather(job(), job(), supersede_in_background(synced))
    assert await statuses() == {"superseded": 120, "lapsed": 30}
    mailed = await superseded_mails()
    assert mailed == {f"{public_id}@example.org": 1 for public_id in old}
    # The lapsed ones: one invitation each to accede to the new version, and no more.
    invited: dict[str, int] = {}
    for row in await OutboxMessage.select():
        message = build_message(row, sender="registry@example.org")
        if "accede to version 1.1" in message.get_body(("plain",)).get_content():
            invited[message["To"]] = invited.get(message["To"], 0) + 1
    assert invited == {f"{public_id}@example.org": 1 for public_id in lapsed}
    assert await supersede_in_background(synced) == 0


async def test_the_scheduler_runs_the_job(synced, principles_copy):
    old = await seed(10)
    await new_version(principles_copy)
    jobs = CAPABILITY.jobs(synced)
    assert "accessions:supersession" in await scheduler.run_once(jobs, synced)
    assert await statuses() == {"superseded": len(old)}
    # Claimed for its period: another process (or tick) does not run it again at once.
    assert "accessions:supersession" not in await scheduler.run_once(jobs, synced)


async def test_signatories_that_always_fail_do_not_keep_the_job_from_the_others(
        synced, principles_copy):
    """The first signatories in the job's order cannot be superseded (their sealed
    application is damaged: it cannot be opened): the job leaves them for its next run
    and reaches every other one, and a run ends."""
    batch = lifecycle.BATCH
    old = await seed(batch + 5)
    damaged, healthy = old[:batch], old[batch:]
    await Accession.update({Accession.application: "v1:not-a-sealed-value"}).where(
        Accession.public_id.is_in([f"a{public_id}" for public_id in damaged]))
    await new_version(principles_copy)
    assert await lifecycle.supersede_older(synced, datetime.now(UTC)) == len(healthy)
    for public_id in healthy:
        assert (await signatory_row(public_id))["status"] == "superseded"
    for public_id in damaged:  # still waiting, and shown superseded meanwhile
        row = await Signatory.select(Signatory.status).where(
            Signatory.public_id == public_id).first()
        assert row["status"] == "active"
        assert (await register.find(public_id)).status == "superseded"
    # The next run tries them again, and reaches nobody new.
    assert await lifecycle.supersede_older(synced, datetime.now(UTC)) == 0
