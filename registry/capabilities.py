"""The capabilities of the registry, in one list. Each package `registry/<name>/` may
have a `piccolo_app.py` (its tables and migrations) and a `capability.py` (its routes,
commands, jobs and hooks); everything else finds them here."""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry.capability import Capability

# Order matters only where one capability builds on another's tables or hooks.
PACKAGES = (
    "registry.principles",
    "registry.audit",
    "registry.facts",
    "registry.deadlines",
    "registry.changes",
    "registry.keys",
    "registry.limits",
    "registry.staff",
    "registry.mail",
    "registry.accessions",
    "registry.badges",
    "registry.cases",
    "registry.web",
    "registry.backup",
)


def piccolo_apps() -> list[str]:
    """The Piccolo apps (tables and migrations), without importing any capability."""
    return [f"{package}.piccolo_app" for package in PACKAGES
            if importlib.util.find_spec(f"{package}.piccolo_app") is not None]


@cache
def load() -> tuple[Capability, ...]:
    found = []
    for package in PACKAGES:
        if importlib.util.find_spec(f"{package}.capability") is not None:
            found.append(importlib.import_module(f"{package}.capability").CAPABILITY)
    return tuple(found)


def install() -> None:
    """Hook every capability into the spine (facts, deadlines): once per process."""
    for capability in load():
        capability.install()
