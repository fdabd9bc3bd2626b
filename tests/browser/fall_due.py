"""For the browser journeys: a case's deadline falls due now, from another process, as
tests/factories.fall_due does in process (what a test does instead of waiting a week for
the comments on a draft). The server then reads the case's new stage from the database.

    python -m tests.browser.fall_due REFERENCE KIND   (settings from REGISTRY_*)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from registry import commands
from registry.cases.stages import subject_of
from registry.deadlines import services as deadlines
from registry.deadlines.tables import Deadline


async def fall_due(reference: str, kind: str) -> None:
    due = (await deadlines.open_for(subject_of(reference)))[kind]
    await Deadline.update({Deadline.due_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Deadline._meta.primary_key == due.id)
    await deadlines.run_due(datetime.now(UTC))


def main(reference: str, kind: str) -> None:
    commands.run(commands.settings(), lambda: fall_due(reference, kind))


if __name__ == "__main__":
    main(*sys.argv[1:3])
