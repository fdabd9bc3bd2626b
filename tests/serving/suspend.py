"""For tests against a running registry: suspend a signatory from another process, as a
final decision of the ethics panel does (registry/cases/decisions.py). The command line
offers no such command on purpose: no one person may suspend a signatory.

    python -m tests.serving.suspend SIGNATORY_ID YYYY-MM-DD   (settings from REGISTRY_*)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from registry import commands
from registry.accessions import lifecycle
from registry.audit.services import SYSTEM


def main(signatory: str, until: str) -> None:
    settings = commands.settings()
    end = datetime.fromisoformat(until).replace(tzinfo=UTC)
    commands.run(settings, lambda: lifecycle.suspend(
        signatory, until=end, decision="test decision", actor=SYSTEM, settings=settings))


if __name__ == "__main__":
    main(*sys.argv[1:3])
