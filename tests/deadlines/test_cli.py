"""`registry deadlines`: what falls due, for staff and operators, and acting on it now."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

from registry.accessions import lifecycle
from registry.accessions.holders import LAPSE
from registry.audit.services import SYSTEM
from registry.facts import services as facts
from registry.facts.kinds import Party
from tests.accessions.test_lifecycle import accepted
from tests.factories import move_deadline, signatory_row


async def test_the_listing_shows_what_falls_due_and_what_is_paused(client, synced, run_cli):
    quiet = run_cli("deadlines")
    assert quiet.code == 0 and "Nothing falls due within 30 days." in quiet.out
    signatory = await accepted(client, synced)
    marked = await accepted(client, synced, public_name="Marked Org", legal_name="Marked Org",
                            contact_email="marked@example.org")
    await lifecycle.mark_persecuted(marked, True, actor=SYSTEM, settings=synced)
    listed = run_cli("deadlines", "--days", "400")
    assert listed.code == 0, listed.output
    lines = listed.out.splitlines()
    mine = [line for line in lines if f"signatory:{signatory}" in line]
    theirs = [line for line in lines if f"signatory:{marked}" in line]
    assert [line.split()[2] for line in mine] == [
        "accession:reaffirmation_reminder", "accession:lapse"]  # soonest first
    assert len(theirs) == 2 and all("PAUSED since" in line for line in theirs)
    assert not any("PAUSED" in line for line in mine)
    ran = run_cli("deadlines", "run")
    assert ran.code == 0 and ran.out.startswith("Done: nothing due; ")


async def test_three_processes_at_once_act_on_each_deadline_once(client, synced, run_cli):
    signatories = [await accepted(client, synced, public_name=f"Org {n}", legal_name=f"Org {n}",
                                  contact_email=f"org{n}@example.org") for n in range(6)]
    past = datetime.now(UTC) - timedelta(days=1)
    for signatory in signatories:
        await move_deadline(signatory, LAPSE, due_at=past, stated_at=past - timedelta(days=30))
    runs = await asyncio.gather(*(asyncio.to_thread(run_cli, "deadlines", "run")
                                  for _ in range(3)))
    assert all(run.code == 0 for run in runs), [run.output for run in runs]
    # Six lapses in all, however the three processes shared them ...
    lapses = [int(n) for run in runs for n in re.findall(r"(\d+) accession:lapse\b", run.out)]
    assert sum(lapses) == len(signatories)
    # ... and each signatory lapsed exactly once: one status change, one public fact.
    for signatory in signatories:
        row = await signatory_row(signatory)
        assert row["status"] == "lapsed"
        history = await facts.history(Party(row["id"], signatory, True, row["register_name"]))
        assert [json.loads(f.entry)["kind"] for f in history].count("accession:lapsed") == 1
