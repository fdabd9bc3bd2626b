"""A new version in force, and the accessions to older ones: the one rule of how they
are shown until the background job (lifecycle.py) has superseded each of them.

A sync that brings a version into force only commits the version (and moves the change
counters the badges' caches are kept on): superseding thousands of signatories there
would hold one long transaction before `serve` listens. The job supersedes them a batch
at a time afterwards. Meanwhile, an `active` signatory whose version is not the one in
force is already `superseded` for every reader (`shown`, `status_is`), and every change
of a signatory catches its supersession up first (holders.locked), so nobody ever sees
or acts on a status the version in force has made stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable

from registry.accessions.tables import AccessionStatus, Signatory
from registry.principles.tables import PrinciplesVersion

S = AccessionStatus


@dataclass(frozen=True)
class InForce:
    """The version in force, and when it came into force: the grace period of every
    accession it supersedes runs from then, however late the job reaches one."""

    version_id: str
    since: datetime | None


async def in_force() -> InForce | None:
    """One query of a table of a few rows, read fresh: inside a write transaction it
    sees what that transaction sees; outside, what was last committed."""
    row = await PrinciplesVersion.select(
        PrinciplesVersion.version_id, PrinciplesVersion.in_force_from).where(
        PrinciplesVersion.status == "in_force").first()
    return InForce(row["version_id"], row["in_force_from"]) if row else None


def pending(status: str, version_id: str, version: InForce | None) -> bool:
    """Whether this signatory waits for the job: active, to a version no longer in
    force."""
    return version is not None and status == S.active and version_id != version.version_id


def shown(status: str, version_id: str, version: InForce | None) -> str:
    """The status a signatory has now, whether or not the job has reached it yet."""
    return S.superseded.value if pending(status, version_id, version) else str(status)


def shown_row(row: dict[str, Any], version: InForce | None) -> dict[str, Any]:
    """A signatory's row (its `status` and `version_id`) with the status it has now."""
    status = shown(row["status"], row["version_id"], version)
    return row if status == row["status"] else {**row, "status": status}


def status_is(status: str, version: InForce | None) -> Combinable:
    """The signatories whose status (as `shown`) is `status`, as a condition of a
    query: the same rule in SQL."""
    condition: Combinable = Signatory.status == status
    if version is None:
        return condition
    older = (Signatory.status == S.active) & (Signatory.version_id != version.version_id)
    if status == S.active:
        return condition & (Signatory.version_id == version.version_id)
    if status == S.superseded:
        return condition | older
    return condition
