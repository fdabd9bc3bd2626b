"""Deadlines move from columns of the signatory to rows of the one deadlines table; the
persecuted mark is sealed; the status history becomes public facts.

A data migration. It reads the columns as they were in plain SQL; it writes deadlines
and facts through today's tables (columns a later migration changes would need their
own migration), in batches. It seals with the data key and commits with the facts key,
so it runs through `registry migrate` (or `serve`), which loads the keys first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from registry.canonical import canonical_json
from registry.facts.kinds import commitment
from registry.facts.tables import PublicFact
from registry.deadlines.tables import Deadline
from registry.accessions.tables import Signatory
from registry.keys.sealed import seal_moment
from registry.settings import Settings

ID = "2026-11-30T02:05:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "Deadlines as rows, the persecuted mark sealed, the history as public facts"

YEAR = timedelta(days=365)
BATCH = 200  # rows per insert: PostgreSQL takes at most 32767 parameters in a query


def _aware(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _forwards() -> None:
    engine = engine_finder()
    settings = Settings()
    grace = timedelta(days=settings.reaffirm_grace_days)
    reminder = timedelta(days=settings.reaffirm_reminder_days)
    cooling = timedelta(days=settings.withdrawal_cooling_off_days)
    supersede = timedelta(days=settings.supersede_grace_days)
    now = datetime.now(UTC)
    rows = await engine.run_querystring(_q(
        "SELECT id, public_id, status, version_id, register_name, reaffirm_due, reminded_at, "
        "grace_until, withdrawal_effective_at, suspended_until, persecuted_since "
        "FROM signatory ORDER BY id"))
    deadlines = []
    for row in rows:
        subject = f"signatory:{row['public_id']}"
        marked = _aware(row["persecuted_since"])
        status = row["status"]

        def add(kind, due, *, stated=None, length=None, closed=None, outcome=None):
            paused = None
            if marked is not None and closed is None and kind != "accession:suspension_end":
                # Paused from the mark, or from when the deadline was set if later (never
                # later than now: resuming must not move a deadline back).
                start = due - length if length else marked
                paused = min(max(marked, start), now)
            deadlines.append(Deadline(
                subject=subject, kind=kind, due_at=due, stated_at=stated,
                paused=seal_moment(Deadline.paused, paused), created_at=now,
                closed_at=closed, outcome=outcome))

        year_end = _aware(row["reaffirm_due"])
        if year_end is not None:
            running = status in ("active", "suspended")
            add("accession:lapse", year_end + grace, stated=year_end, length=YEAR + grace,
                closed=None if running else now, outcome=None if running else "cancelled")
            reminded = _aware(row["reminded_at"])
            if running or reminded:
                add("accession:reaffirmation_reminder", year_end - reminder, stated=year_end,
                    length=YEAR - reminder, closed=reminded if reminded else None,
                    outcome="done" if reminded else None)
        # A superseded signatory's grace, also while a suspension holds it.
        if status in ("superseded", "suspended") and row["grace_until"] is not None:
            add("accession:supersession_grace", _aware(row["grace_until"]), length=supersede)
        if row["withdrawal_effective_at"] is not None and status != "withdrawn":
            add("accession:withdrawal", _aware(row["withdrawal_effective_at"]), length=cooling)
        if status == "suspended" and row["suspended_until"] is not None:
            add("accession:suspension_end", _aware(row["suspended_until"]))
        await engine.run_querystring(_q(
            "UPDATE signatory SET persecution = {} WHERE id = {}",
            seal_moment(Signatory.persecution, marked), row["id"]))
    for start in range(0, len(deadlines), BATCH):
        await Deadline.insert(*deadlines[start:start + BATCH])
    await _history_as_facts(engine, rows)


async def _history_as_facts(engine, signatories) -> None:
    """The versions and every signatory's status history, as public facts in time order."""
    found = []
    for version in await engine.run_querystring(_q(
            "SELECT version_id, status, content_hash, in_force_from, superseded_at, created_at "
            "FROM principles_version")):
        if version["status"] not in ("in_force", "superseded"):
            continue
        subject = f"principles:{version['version_id']}"
        published = _aware(version["in_force_from"] or version["created_at"])
        found.append((published, 0, "principles:published", subject, {
            "version": version["version_id"], "sha256": version["content_hash"],
            "status": version["status"]}))
        if version["in_force_from"] is not None:
            found.append((published, 1, "principles:in_force", subject, {
                "version": version["version_id"], "sha256": version["content_hash"]}))
        if version["superseded_at"] is not None:
            found.append((_aware(version["superseded_at"]), 2, "principles:superseded",
                          subject, {"version": version["version_id"]}))
    by_id = {row["id"]: row for row in signatories}
    for event in await engine.run_querystring(_q(
            "SELECT signatory, event, status, version_id, at FROM signatory_event "
            "ORDER BY at, id")):
        signatory = by_id[event["signatory"]]
        if signatory["register_name"] is not None:
            subject = f"signatory:{signatory['public_id']}"
            body = {"signatory": signatory["public_id"], "name": signatory["register_name"],
                    "status": event["status"], "version": event["version_id"]}
        else:
            hidden = commitment(f"signatory:{signatory['public_id']}")
            subject, body = f"commitment:{hidden}", {"commitment": hidden}
        found.append((_aware(event["at"]), 3, f"accession:{event['event']}", subject, body))
    found.sort(key=lambda item: (item[0], item[1]))
    last = await engine.run_querystring(_q("SELECT MAX(seq) AS seq FROM public_fact"))
    after = -1 if not last or last[0]["seq"] is None else last[0]["seq"]
    facts = [PublicFact(seq=after + n, kind=kind, subject=subject, recorded_at=at,
                        entry=canonical_json({"kind": kind, "at": _at(at), **body}).decode())
             for n, (at, _, kind, subject, body) in enumerate(found, start=1)]
    for start in range(0, len(facts), BATCH):
        await PublicFact.insert(*facts[start:start + BATCH])


def _q(sql: str, *values):
    from piccolo.querystring import QueryString

    return QueryString(sql, *values)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accessions", description=DESCRIPTION)
    manager.add_raw(_forwards)
    return manager
