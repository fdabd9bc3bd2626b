"""What a capability offers the rest of the registry, in one object: its routes, its
commands, its periodic jobs, and what it hooks into the spine (the public facts it
follows, the kinds of deadline it acts on). Its tables are its Piccolo app.

`registry/capabilities.py` lists them; the app, the command line and Piccolo's
configuration read that list, so adding a capability is one line there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click

from registry.settings import Settings


@dataclass(frozen=True)
class Job:
    """A periodic job that `serve`'s scheduler runs every `every` (registry/deadlines/
    scheduler.py): `await run(settings, now)`."""

    name: str  # "accessions:purge"
    every: timedelta
    run: Callable[[Settings, datetime], Awaitable[object]]


def _no_jobs(settings: Settings) -> list[Job]:
    return []


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Capability:
    name: str
    # Litestar route handlers and controllers.
    routes: Sequence[Any] = ()
    # Click commands and groups of `registry`; groups of one name offered by several
    # capabilities are merged (`registry keys` holds the data key's and the badges' keys).
    commands: Sequence[click.Command] = ()
    # The periodic jobs `serve` runs for it.
    jobs: Callable[[Settings], list[Job]] = _no_jobs
    # Subscribes to public facts and registers kinds of deadline; run once per process
    # before any work (idempotent).
    install: Callable[[], None] = _nothing
