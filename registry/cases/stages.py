"""The stages of a case, their deadlines, and the one way a case moves between them.

A reader answers "can a case under appeal go back to review?" by reading TRANSITIONS.
Every stage that waits for someone has a clock: a deadline of the one deadlines table
under the subject `case:<reference>`, its length a setting. Where a party waits (the
respondent's answer, comments on the draft, the appeal window), the case moves on by
itself when the time is up; where staff must act, they are reminded before the day and
the dashboard shows the case overdue after it.

A case's deadlines pause while either party is marked persecuted: the respondent through
its accession's mark (its pause is followed here), the filer through the case's own.

Locks: every change of a case takes its respondent's lock, then its own (`locked`), the
same order as the scheduler's for the case's deadlines, so that a case and its
respondent's accession never wait on each other in a circle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from registry import db, labels
from registry.accessions.holders import subject_of as signatory_subject
from registry.accessions.tables import Signatory
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases.tables import Case, CaseStep, Instance, Stage
from registry.deadlines import services as deadlines
from registry.keys.sealed import seal, unseal, unseal_moment
from registry.refusals import Conflict, NotFound
from registry.settings import Settings
from registry.translation import N_

S = Stage
# Where a case may go from each stage. One table, read by every move (`move`).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    S.received: frozenset({S.admissibility}),
    # Admissible: the respondent is told (answer), or, for a conflict the signatory
    # declared itself, the panel reviews at once.
    S.admissibility: frozenset({S.answer, S.review, S.inadmissible}),
    S.answer: frozenset({S.review}),
    S.review: frozenset({S.comments}),
    S.comments: frozenset({S.deliberation}),
    # Adopted by a majority: publication; rejected by a majority: a new draft.
    S.deliberation: frozenset({S.publication, S.review}),
    S.publication: frozenset({S.appeal_window}),
    S.appeal_window: frozenset({S.appeal, S.closed}),
    S.appeal: frozenset({S.appeal_publication}),
    S.appeal_publication: frozenset({S.closed}),
    S.inadmissible: frozenset(),
    S.closed: frozenset(),
}
FINAL = frozenset({S.inadmissible, S.closed})
# Stages in which the filer's view and the dashboard call the case "open".
OPEN = frozenset(Stage) - FINAL
APPEAL_STAGES = frozenset({S.appeal, S.appeal_publication})


@dataclass(frozen=True)
class Clock:
    """A stage's deadline: its kind, the setting that gives its length in days, who must
    act by then, and where the case goes by itself when it falls due (None: staff must
    act; they are reminded before it, and told when it is overdue)."""

    kind: str
    days: str
    who: str  # secretariat, panel, chair, respondent, parties
    then: Stage | None = None


CLOCKS: dict[Stage, Clock] = {
    S.received: Clock("case:acknowledge", "case_acknowledge_days", "secretariat"),
    S.admissibility: Clock("case:admissibility", "case_admissibility_days", "panel"),
    S.answer: Clock("case:answer", "case_answer_days", "respondent", then=S.review),
    S.review: Clock("case:review", "case_review_days", "panel"),
    S.comments: Clock("case:comments", "case_comment_days", "parties", then=S.deliberation),
    S.deliberation: Clock("case:deliberation", "case_deliberation_days", "panel"),
    S.publication: Clock("case:publication", "case_publication_days", "chair"),
    S.appeal_window: Clock("case:appeal_window", "case_appeal_days", "parties",
                           then=S.closed),
    S.appeal: Clock("case:appeal_review", "case_appeal_review_days", "panel"),
    S.appeal_publication: Clock("case:publication", "case_publication_days", "chair"),
}
CLOCK_KINDS = sorted({clock.kind for clock in CLOCKS.values()})
REMINDER = "case:reminder"  # staff are reminded this many days before their deadline
DECISION_TYPE = "case-decision+jwt"  # the JWS type of a countersigned decision

# What is due at each deadline, for people (translated where shown); the words of the
# codes themselves (stages, outcomes, reasons) are in registry/labels.py.
DUE_WORDS = {
    "case:acknowledge": N_("acknowledgement"),
    "case:admissibility": N_("decision on admissibility"),
    "case:answer": N_("end of the respondent's time to answer"),
    "case:review": N_("draft decision"),
    "case:comments": N_("end of the time for comments"),
    "case:deliberation": N_("vote"),
    "case:publication": N_("publication"),
    "case:appeal_window": N_("end of the appeal window"),
    "case:appeal_review": N_("appeal decision"),
}
TRANSITION_REFUSED = N_("A case at the stage \"%(current)s\" cannot move to \"%(wanted)s\".")


def _now() -> datetime:
    return datetime.now(UTC)


def subject_of(reference: str) -> str:
    return f"case:{reference}"


@dataclass(frozen=True)
class CaseRecord:
    """A case as the rules see it, its sealed fields opened."""

    id: int
    reference: str
    kind: str
    stage: Stage
    filed_at: datetime
    self_declared: bool
    respondent: str  # the signatory's public id
    principles: list[int]
    account: str
    filer: dict[str, Any]  # anonymous, name, contact_email, consent_to_identity, language
    filer_persecuted_since: datetime | None
    effects: dict[str, Any] = field(default_factory=dict)
    inadmissible_reason: str | None = None
    closed_at: datetime | None = None

    @property
    def subject(self) -> str:
        return subject_of(self.reference)

    @property
    def instance(self) -> Instance:
        return Instance.appeal if self.stage in APPEAL_STAGES else Instance.first

    @property
    def filer_contact(self) -> str | None:
        """Where the filer asked to be told of news (never for an anonymous filer)."""
        if self.filer.get("anonymous", True):
            return None
        return self.filer.get("contact_email") or None

    @property
    def filer_named_to_respondent(self) -> bool:
        return not self.filer.get("anonymous", True) and bool(
            self.filer.get("consent_to_identity"))


def opened(row: dict) -> CaseRecord:
    complaint = json.loads(unseal(Case.complaint, row["complaint"]))
    effects = unseal(Case.effects, row["effects"]) if row["effects"] else ""  # older rows
    return CaseRecord(
        id=row["id"], reference=row["reference"], kind=row["kind"], stage=Stage(row["stage"]),
        filed_at=row["filed_at"], self_declared=bool(row["self_declared"]),
        respondent=complaint["respondent"], principles=complaint["principles"],
        account=complaint["account"],
        filer=json.loads(unseal(Case.filer, row["filer"])),
        filer_persecuted_since=unseal_moment(Case.filer_persecution, row["filer_persecution"])
        if row["filer_persecution"] else None,
        effects=json.loads(effects) if effects.strip() else {},
        inadmissible_reason=row["inadmissible_reason"], closed_at=row["closed_at"])


NO_CASE = N_("There is no case %(reference)s.")


async def find(reference: str) -> CaseRecord:
    row = await Case.select().where(Case.reference == reference[:20]).first()
    if row is None:
        raise NotFound(NO_CASE, reference=reference[:20])
    return opened(row)


async def locked(reference: str) -> CaseRecord:
    """The case, read again under its respondent's lock and its own (inside a write
    transaction)."""
    case = await find(reference)
    await db.serialise(signatory_subject(case.respondent))
    await db.serialise(case.subject)
    return await find(reference)


async def set_effects(case: CaseRecord, effects: dict[str, Any]) -> CaseRecord:
    await Case.update({Case.effects: seal(Case.effects, json.dumps(effects))}).where(
        Case._meta.primary_key == case.id)
    return replace(case, effects=effects)


# --- Pausing while a party is persecuted ----------------------------------------------

async def respondent_persecuted(public_id: str) -> bool:
    row = await Signatory.select(Signatory.persecution).where(
        Signatory.public_id == public_id).first()
    return row is not None and unseal_moment(Signatory.persecution,
                                             row["persecution"]) is not None


async def should_pause(case: CaseRecord) -> bool:
    return case.filer_persecuted_since is not None or await respondent_persecuted(
        case.respondent)


async def is_paused(case: CaseRecord) -> bool:
    return any(due.paused_since is not None
               for due in (await deadlines.open_for(case.subject)).values())


async def follow_pause(case: CaseRecord, *, now: datetime,
                       respondent_paused: bool | None = None) -> None:
    """Pause or resume the case's deadlines to match its parties' marks."""
    paused = case.filer_persecuted_since is not None or (
        respondent_paused if respondent_paused is not None
        else await respondent_persecuted(case.respondent))
    if paused and not await is_paused(case):
        await deadlines.pause(case.subject, now=now)
    elif not paused and await is_paused(case):
        await deadlines.resume(case.subject, now=now)


async def cases_of(respondent: str, *, open_only: bool = False) -> list[CaseRecord]:
    """The cases concerning a signatory (whom a case concerns is sealed: each case is
    opened, which is fine for the dozens a panel hears)."""
    query = Case.select()
    if open_only:
        query = query.where(Case.stage.not_in(sorted(FINAL)))
    return [case for case in map(opened, await query) if case.respondent == respondent]


async def _on_signatory_pause(subject: str, paused: bool, now: datetime) -> None:
    """A signatory was marked persecuted, or the mark was lifted: the cases against it
    follow, inside the same transaction (which holds the signatory's lock)."""
    if not subject.startswith("signatory:"):
        return
    for case in await cases_of(subject.removeprefix("signatory:"), open_only=True):
        await follow_pause(case, now=now, respondent_paused=paused)


# --- Moving ---------------------------------------------------------------------------

async def schedule(case: CaseRecord, kind: str, due_at: datetime, *, now: datetime,
                   stated_at: datetime | None = None) -> None:
    """A deadline of the case; paused from now if a party is persecuted."""
    await deadlines.schedule(case.subject, kind, due_at, now=now, stated_at=stated_at,
                             paused_since=now if await should_pause(case) else None)


async def move(case: CaseRecord, to: Stage, *, actor: audit.Actor, now: datetime,
               settings: Settings, details: dict[str, Any] | None = None) -> CaseRecord:
    """The one way a case changes stage: checked against TRANSITIONS, recorded as a step
    and an audit event, the old stage's clock stopped and the new one's started. Inside
    the caller's write transaction, the case locked."""
    if to not in TRANSITIONS[case.stage]:
        raise Conflict(TRANSITION_REFUSED, current=labels.STAGE.words_of(case.stage),
                       wanted=labels.STAGE.words_of(to))
    await Case.update({Case.stage: to, Case.closed_at: now if to in FINAL else None}).where(
        Case._meta.primary_key == case.id)
    await CaseStep.insert(CaseStep(case_file=case.id, stage=to, at=now))
    await audit.record(EventTag.case_stage_moved, actor=actor, subject=case.subject,
                       details={"from": case.stage.value, "to": to.value, **(details or {})})
    await deadlines.cancel(case.subject, [*CLOCK_KINDS, REMINDER], now=now)
    moved = replace(case, stage=to, closed_at=now if to in FINAL else None)
    await start_clock(moved, now=now, settings=settings)
    return moved


async def start_clock(case: CaseRecord, *, now: datetime, settings: Settings) -> None:
    """The deadline of the case's stage, and, where staff must act, a reminder before it."""
    clock = CLOCKS.get(case.stage)
    if clock is None:
        return
    due = now + timedelta(days=getattr(settings, clock.days))
    await schedule(case, clock.kind, due, now=now)
    remind = due - timedelta(days=settings.case_reminder_days)
    if clock.then is None and settings.case_reminder_days and remind > now:
        await schedule(case, REMINDER, remind, now=now, stated_at=due)


async def next_deadline(case: CaseRecord) -> deadlines.Due | None:
    """The deadline of the case's stage: open, or (overdue) the last one, closed when it
    fell due."""
    clock = CLOCKS.get(case.stage)
    if clock is None:
        return None
    found = (await deadlines.open_for(case.subject)).get(clock.kind)
    return found or await deadlines.last(case.subject, clock.kind)


def shown_due(due: deadlines.Due | None, now: datetime) -> datetime | None:
    """The end of a stage as a party or a calendar is told it. While the deadline is
    paused it moves on with the pause, day by day, so that neither a date left in the
    past nor its jump when the pause ends tells anyone that a party is persecuted."""
    if due is None or not due.open:
        return None
    if due.paused_since is not None:
        return due.due_at + max(now - due.paused_since, timedelta(0))
    return due.due_at


async def lock_names(subject: str) -> list[str]:
    """The scheduler's locks for a case's deadline: the respondent's, then the case's."""
    case = await find(subject.removeprefix("case:"))
    return [signatory_subject(case.respondent), subject]
