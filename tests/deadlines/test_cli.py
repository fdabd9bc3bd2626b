"""`registry deadlines`: what falls due, for staff and operators, and acting on it now."""

from registry.accessions import lifecycle
from registry.audit.services import SYSTEM
from tests.accessions.test_lifecycle import accepted


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
