"""A suspension whose end has passed, before the deadline's job has lifted it (the
scheduler was stopped, or is a minute behind): the pages must not say that it "runs
until" a day gone by."""

import re
from datetime import UTC, datetime, timedelta

from babel.dates import format_date

from registry.accessions import lifecycle
from registry.audit.services import SYSTEM
from registry.deadlines.tables import Deadline
from tests.accessions.test_lifecycle import accepted
from tests.badges.test_badges import badge_of


def _day(moment: datetime) -> str:
    return format_date(moment.date(), "long", locale="en_GB")


async def test_a_suspension_past_its_end_is_not_said_to_run_until_it(client, synced):
    signatory = await accepted(client, synced)
    badge = await badge_of(client, signatory)
    until = datetime.now(UTC) + timedelta(days=30)
    await lifecycle.suspend(signatory, until=until, decision="P-2026/9", actor=SYSTEM,
                            settings=synced)
    page = (await client.get(f"/verify/{badge['badge_id']}")).text
    assert f"The suspension runs until {_day(until)}." in page
    listed = (await client.get(f"/register/{signatory}")).text
    assert f"until {_day(until)}" in listed

    ended = datetime.now(UTC) - timedelta(days=2)
    await Deadline.update({Deadline.due_at: ended}).where(
        Deadline.subject == f"signatory:{signatory}",
        Deadline.kind == "accession:suspension_end", Deadline.closed_at.is_null())
    page = (await client.get(f"/verify/{badge['badge_id']}")).text
    assert "Not valid." in page
    assert f"The suspension was set to end on {_day(ended)}." in page
    assert "runs until" not in page
    # A space between the verdict's sentences (the template's whitespace control once ate it).
    assert re.search(r'now\.\s+<span class="verdict-until">', page), page
    listed = (await client.get(f"/register/{signatory}")).text
    assert f"(set to end on {_day(ended)})" in listed and f"until {_day(ended)}" not in listed
