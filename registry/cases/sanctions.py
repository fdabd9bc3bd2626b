"""What cases do to a respondent's accession, through its life cycle, and so to its badge.

Each case keeps what it holds against the respondent (`Case.effects`, sealed): a
suspension until a day, or a suspension with no end while a revocation waits for the
appeal window. The accession is then brought in line with what all the respondent's
cases hold together: suspended until the latest day any of them holds (with no end if
one waits to revoke), and reinstated only when none holds anything any more. So one
case's decision never shortens or lifts another case's suspension; and a suspension
that did not come from a case (one made before this procedure existed) is never
shortened by one.

A revocation is final (its status-list bit is never cleared): it is applied only when
the decision can no longer change (the appeal window closed, or the appeal decided).

The accession's audit events for these changes are sealed: their details would say
whom a case concerns before anything is published.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from registry.accessions import lifecycle
from registry.accessions.holders import SUSPENSION_END, holder
from registry.accessions.tables import AccessionStatus
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import stages
from registry.cases.stages import CaseRecord
from registry.cases.tables import Outcome
from registry.settings import Settings

SUSPENDABLE = frozenset({AccessionStatus.active, AccessionStatus.superseded,
                         AccessionStatus.suspended})
REVOCABLE = frozenset({AccessionStatus.active, AccessionStatus.suspended,
                       AccessionStatus.superseded, AccessionStatus.lapsed})
# What a case holds: no end (a revocation waiting), or the day a suspension ends.
NO_END = datetime.max.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def held_until(effects: dict[str, Any], now: datetime) -> datetime | None:
    """Until when these effects hold a suspension (NO_END for no end), or None."""
    if effects.get("revocation_pending") and not effects.get("revoked"):
        return NO_END
    if effects.get("suspended") and effects.get("until"):
        until = datetime.fromisoformat(effects["until"])
        return until if until > now else None
    return None


async def _cases_of(respondent: str) -> list[CaseRecord]:
    """The respondent's cases that hold or held something against it."""
    return [case for case in await stages.cases_of(respondent) if case.effects]


async def holds(public_id: str) -> bool:
    """Whether any case holds a suspension of this signatory (the life cycle asks)."""
    now = _now()
    return any(held_until(case.effects, now) for case in await _cases_of(public_id))


def _label(case: CaseRecord) -> str:
    return f"case {case.reference}"


def _outside(effects: dict[str, Any], now: datetime) -> datetime | None:
    """The end of a suspension from outside the cases that this case once found (kept so
    that it comes back when the cases let go), if it still runs."""
    if effects.get("outside"):
        until = datetime.fromisoformat(effects["outside"])
        return until if until > now else None
    return None


async def hold(case: CaseRecord, effects: dict[str, Any], *, actor: audit.Actor,
               settings: Settings, revoke: bool = False) -> str:
    """Record what this case now holds, and bring the accession in line with what all
    the respondent's cases hold; returns what was done, for the audit trail. Inside the
    caller's transaction, the case and its respondent locked."""
    now = _now()
    others = await _cases_of(case.respondent)
    before = [held_until(c.effects, now) for c in others]
    held_before = max((until for until in before if until), default=None)
    outside = max((until for c in others if (until := _outside(c.effects, now))),
                  default=None)
    h = await holder(case.respondent)
    current = h.due(SUSPENSION_END) or NO_END if h.status == AccessionStatus.suspended else None
    if current is not None and (held_before is None or current > held_before):
        # Suspended from outside the cases, longer than they held: remembered, so that it
        # is never shortened, and comes back if the cases let go before it ends.
        outside = max(outside or current, current)
    if outside is not None:
        effects = {**effects, "outside": outside.isoformat()}
    case = await stages.set_effects(case, effects)
    if revoke:
        if h.status not in REVOCABLE:
            return f"not applied: the accession is {h.status.value}"
        await lifecycle.revoke(case.respondent, decision=_label(case), actor=actor,
                               settings=settings, confidential=True)
        return "revoked"
    after = [held_until(c.effects, now) for c in await _cases_of(case.respondent)]
    target = max((until for until in [*after, outside] if until), default=None)
    if target is None:
        if current is not None and held_before is not None:
            await lifecycle.reinstate(case.respondent, decision=_label(case), actor=actor,
                                      settings=settings, by_holder=True, confidential=True)
            return "reinstated"
        return "none"
    if h.status not in SUSPENDABLE:
        return f"not applied: the accession is {h.status.value}"
    if current == target:
        return "unchanged"
    await lifecycle.suspend(case.respondent, until=None if target == NO_END else target,
                            decision=_label(case), actor=actor, settings=settings,
                            confidential=True)
    return "suspended" if target != NO_END else "suspended until the revocation is final"


async def apply_decision(case: CaseRecord, outcome: Outcome, until: str | None, *,
                         final: bool, actor: audit.Actor, settings: Settings) -> str:
    """A decision's sanction, replacing whatever this case held before (an interim
    measure, or the first decision on appeal)."""
    if outcome == Outcome.suspension:
        end = datetime.fromisoformat(f"{until}T00:00:00+00:00")
        done = await hold(case, {"suspended": True, "until": end.isoformat()}, actor=actor,
                          settings=settings)
    elif outcome == Outcome.revocation and final:
        done = await hold(case, {"revoked": True}, actor=actor, settings=settings, revoke=True)
    elif outcome == Outcome.revocation:
        done = await hold(case, {"revocation_pending": True}, actor=actor, settings=settings)
    else:
        done = await hold(case, {}, actor=actor, settings=settings)
    await audit.record(EventTag.case_sanction_applied, actor=actor, subject=case.subject,
                       details={"outcome": outcome.value, "applied": done})
    return done


async def revocation_final(case: CaseRecord, *, actor: audit.Actor, settings: Settings) -> None:
    """The appeal window closed with no appeal: a revocation waiting for it is applied."""
    if case.effects.get("revocation_pending"):
        done = await hold(case, {"revoked": True}, actor=actor, settings=settings, revoke=True)
        await audit.record(EventTag.case_sanction_applied, actor=actor, subject=case.subject,
                           details={"outcome": Outcome.revocation.value, "applied": done})


def install() -> None:
    lifecycle.hold_suspensions(holds)
