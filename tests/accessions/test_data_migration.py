"""The data migration of 2026-11-30 on a database written by the code before it: the
signatory's date columns become deadlines (paused for a persecuted signatory, by the
pause each saw), the persecuted mark is sealed, and the status history becomes public
facts. Run on a database made for the test, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from registry import db, runtime
from registry.accessions.holders import (
    LAPSE,
    REMINDER,
    SUPERSESSION,
    SUSPENSION_END,
    WITHDRAWAL,
    subject_of,
)
from registry.accessions.tables import Signatory
from registry.deadlines import services as deadlines
from registry.facts import services as facts
from registry.facts.kinds import Party
from registry.keys.sealed import unseal_moment
from tests.conftest import make_settings

BEFORE = "2026-11-23T00:17:12:280151"  # the last accessions migration before it
DAY = timedelta(days=1)
CROWD = 2100


class OldVersion(Table, tablename="principles_version"):
    version_id = Varchar(length=20)
    status = Varchar(length=20)
    text_of_record = Varchar(length=16)
    content_hash = Varchar(length=64)
    in_force_from = Timestamptz(null=True, default=None)
    superseded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class OldSignatory(Table, tablename="signatory"):
    """The signatory as it was: its dates in columns, the mark in plain text."""

    public_id = Varchar(length=32)
    kind = Varchar(length=20)
    listing = Varchar(length=20)
    status = Varchar(length=30)
    version_id = Varchar(length=20)
    name = Text()
    register_name = Varchar(length=200, null=True, default=None)
    acceded_at = Timestamptz()
    created_at = Timestamptz()
    reaffirm_due = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)
    grace_until = Timestamptz(null=True, default=None)
    withdrawal_effective_at = Timestamptz(null=True, default=None)
    suspended_until = Timestamptz(null=True, default=None)
    persecuted_since = Timestamptz(null=True, default=None)


class OldEvent(Table, tablename="signatory_event"):
    signatory = ForeignKey(OldSignatory)
    event = Varchar(length=40)
    status = Varchar(length=30)
    version_id = Varchar(length=20)
    at = Timestamptz()


async def _mark(public_id: str) -> datetime | None:
    row = await Signatory.select(Signatory.persecution).where(
        Signatory.public_id == public_id).first()
    return unseal_moment(Signatory.persecution, row["persecution"])


@pytest.fixture
async def fresh_url(tmp_path, migrated, is_postgres):
    """An empty database of the test's engine; the session's database is bound again
    afterwards."""
    if not is_postgres:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        parts = urlsplit(os.environ["REGISTRY_TEST_DATABASE_URL"])
        name = f"registry_migration_{secrets.token_hex(4)}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        connection = await asyncpg.connect(admin)
        await connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            runtime.configure(migrated)
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.close()
    runtime.configure(migrated)


async def test_dates_become_deadlines_the_mark_is_sealed_and_history_becomes_facts(
        fresh_url, migrated, tmp_path):
    settings = make_settings(migrated.data_dir, fresh_url)
    runtime.configure(settings)
    for app in ("principles", "audit", "facts", "deadlines", "changes", "staff", "mail"):
        assert (await run_forwards(app_name=app)).success
    assert (await run_forwards(app_name="accessions", migration_id=BEFORE)).success
    for table in (OldVersion, OldSignatory, OldEvent):
        table._meta.db = db.engine()

    now = datetime.now(UTC).replace(microsecond=0)
    adopted = now - 400 * DAY
    await OldVersion.insert(OldVersion(version_id="1.0", status="in_force", text_of_record="en",
                                       content_hash="a" * 64, in_force_from=adopted,
                                       created_at=adopted))
    ends = now + 100 * DAY
    rows = {
        # Active, this year's reminder sent already.
        "Active": dict(status="active", reaffirm_due=ends, reminded_at=now - DAY),
        # Active and persecuted for 50 days, a withdrawal confirmed 5 days ago.
        "Marked": dict(status="active", reaffirm_due=ends, persecuted_since=now - 50 * DAY,
                       withdrawal_effective_at=now + 9 * DAY),
        "Superseded": dict(status="superseded", reaffirm_due=now - 10 * DAY,
                           grace_until=now + 170 * DAY),
        "Suspended": dict(status="suspended", reaffirm_due=ends, suspended_until=now + 30 * DAY),
        # Superseded, then suspended: its grace period waits for the suspension's end.
        "Held": dict(status="suspended", reaffirm_due=now - 10 * DAY,
                     grace_until=now + 150 * DAY, suspended_until=now + 20 * DAY),
        # Unlisted and lapsed: nothing falls due, and its history names nobody.
        "Hidden": dict(status="lapsed", reaffirm_due=now - 60 * DAY, listing="unlisted"),
    }
    ids = {}
    for name, values in rows.items():
        listing = values.pop("listing", "public")
        public_id = f"{name[:4]}{secrets.token_hex(4)}"
        inserted = await OldSignatory.insert(OldSignatory(
            public_id=public_id, kind="organisation", listing=listing, version_id="1.0",
            name="enc1:not-read", register_name=None if listing == "unlisted" else name,
            acceded_at=now - 300 * DAY, created_at=now - 300 * DAY, **values))
        ids[name] = public_id
        await OldEvent.insert(OldEvent(signatory=inserted[0]["id"], event="accepted",
                                       status="active", version_id="1.0",
                                       at=now - 300 * DAY))
    # Enough signatories that one insert of all their deadlines would pass PostgreSQL's
    # limit of 32,767 parameters a query.
    crowd = [OldSignatory(public_id=f"crowd{n:05d}", kind="individual", listing="public",
                          version_id="1.0", name="enc1:not-read", register_name=f"C{n}",
                          status="active", acceded_at=now, created_at=now,
                          reaffirm_due=now + 365 * DAY) for n in range(CROWD)]
    for start in range(0, CROWD, 500):
        await OldSignatory.insert(*crowd[start:start + 500])
    await OldEvent.insert(OldEvent(
        signatory=(await OldSignatory.select(OldSignatory.id).where(
            OldSignatory.public_id == ids["Hidden"]).first())["id"],
        event="lapsed", status="lapsed", version_id="1.0", at=now - 30 * DAY))

    await db.migrate()

    async def open_(name: str) -> dict[str, deadlines.Due]:
        return await deadlines.open_for(subject_of(ids[name]))

    active = await open_("Active")
    assert set(active) == {LAPSE}  # the reminder of this year went out already
    assert active[LAPSE].stated_at == ends and active[LAPSE].due_at == ends + 30 * DAY
    assert (await deadlines.last(subject_of(ids["Active"]), REMINDER)).outcome == "done"
    marked = await open_("Marked")
    assert set(marked) == {LAPSE, REMINDER, WITHDRAWAL}
    # Paused since the mark, or since the withdrawal was confirmed if later.
    assert marked[LAPSE].paused_since == now - 50 * DAY
    assert marked[WITHDRAWAL].paused_since == now - 5 * DAY
    assert await _mark(ids["Marked"]) == now - 50 * DAY
    assert await _mark(ids["Active"]) is None
    superseded = await open_("Superseded")
    assert set(superseded) == {SUPERSESSION}
    assert superseded[SUPERSESSION].due_at == now + 170 * DAY
    # The old year is kept, closed, for what the badge's validity counts from.
    assert (await deadlines.last(subject_of(ids["Superseded"]), LAPSE)).stated_at == (
        now - 10 * DAY)
    suspended = await open_("Suspended")
    assert set(suspended) == {LAPSE, REMINDER, SUSPENSION_END}
    assert suspended[SUSPENSION_END].paused_since is None
    assert await open_("Hidden") == {}
    held = await open_("Held")
    assert held[SUPERSESSION].due_at == now + 150 * DAY and SUSPENSION_END in held
    assert len(await deadlines.falling_due(now + 400 * DAY, limit=10 * CROWD)) >= 2 * CROWD

    # The mark is sealed; nothing about it is left in plain text.
    raw = await OldSignatory.raw("SELECT * FROM signatory")
    assert all("persecuted_since" not in row and "reaffirm_due" not in row for row in raw)
    assert all(row["persecution"].startswith("enc1:") for row in raw)
    assert len({len(row["persecution"]) for row in raw}) == 1

    # The history is public facts now, in time order; the unlisted one is a commitment.
    history = await facts.history(Party(0, ids["Active"], True, "Active"))
    assert [json.loads(f.entry)["kind"] for f in history] == ["accession:accepted"]
    hidden = Party(0, ids["Hidden"], False, None)
    entries = [json.loads(f.entry) for f in await facts.history(hidden)]
    assert [e["kind"] for e in entries] == ["accession:accepted", "accession:lapsed"]
    assert all(set(e) == {"kind", "at", "commitment"} for e in entries)
    first = await facts.since(-1, limit=2)
    assert [f.kind for f in first] == ["principles:published", "principles:in_force"]
    numbers = [f.seq for f in await facts.since(-1)]
    assert numbers == list(range(len(numbers)))
