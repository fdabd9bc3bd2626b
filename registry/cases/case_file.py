"""What staff read: the dashboard of every case, a case's overview (no confidential
word in it: reference, kind, stage, deadline, panel), and the case file itself, which
opens only to members who sit on the case and confirmed having no conflict, and whose
every opening is an audit event."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from registry.accessions import supersession
from registry.accessions.holders import holder
from registry.audit import services as audit
from registry.cases import decisions, panel, parties, stages
from registry.cases.attachments import KINDS
from registry.cases.stages import CaseRecord
from registry.cases.tables import (
    Case,
    CaseAppeal,
    CaseAttachment,
    CaseDecision,
    CaseMessage,
    CaseNote,
    CaseStep,
    CaseVote,
    DecisionStatus,
    InterimMeasure,
    Stage,
)
from registry.deadlines import services as deadlines
from registry.keys.sealed import unseal, unseal_moment
from registry.refusals import NotFound
from registry.staff.services import list_staff
from registry.translation import N_


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Due:
    kind: str
    at: datetime
    paused: bool
    overdue: bool


def _due(found: deadlines.Due | None, now: datetime) -> Due | None:
    if found is None:
        return None
    return Due(found.kind, found.due_at, found.paused_since is not None,
               overdue=found.paused_since is None and found.due_at <= now)


# --- The dashboard ---------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    reference: str
    kind: str
    stage: str
    filed_at: datetime
    due: Due | None
    seats: int  # members sitting on the present instance


async def dashboard() -> list[Row]:
    """Every case with its stage and next deadline: overdue first, then by deadline,
    then the closed ones, newest first. Reads no sealed field."""
    now = _now()
    rows = await Case.select(Case._meta.primary_key, Case.reference, Case.kind, Case.stage,
                             Case.filed_at)
    subjects = [stages.subject_of(row["reference"]) for row in rows]
    open_ = await deadlines.open_of_kinds(stages.CLOCK_KINDS, subjects)
    seat_rows = await panel.PanelSeat.select(panel.PanelSeat.case_file,
                                             panel.PanelSeat.instance).where(
        panel.PanelSeat.recused_at.is_null())
    found = []
    for row in rows:
        stage = Stage(row["stage"])
        clock = stages.CLOCKS.get(stage)
        current = open_.get(stages.subject_of(row["reference"]), {})
        due = None
        if clock is not None:
            due = current.get(clock.kind) or await deadlines.last(
                stages.subject_of(row["reference"]), clock.kind)
        instance = "appeal" if stage in stages.APPEAL_STAGES else "first"
        sitting = sum(1 for seat in seat_rows if seat["case_file"] == row["id"]
                      and seat["instance"] == instance)
        found.append(Row(row["reference"], row["kind"], stage.value, row["filed_at"],
                         _due(due, now), sitting))

    def order(r: Row) -> tuple:
        if r.due is None:
            return (2, -r.filed_at.timestamp())
        return (0 if r.due.overdue else 1, r.due.at.timestamp())

    return sorted(found, key=order)


# --- A case's overview -----------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    reference: str
    kind: str
    stage: str
    filed_at: datetime
    self_declared: bool
    due: Due | None
    steps: list[tuple[str, datetime]]
    seats: list[panel.Seat]
    my_seat: panel.Seat | None
    candidates: list[panel.Candidate] | None  # for the chair
    interim_proposed: bool
    decisions: list[dict[str, Any]]  # instance, decided_at, deferred_at, published_at
    appealed: bool

    @property
    def can_acknowledge(self) -> bool:
        return self.stage == Stage.received

    @property
    def awaits_publication(self) -> bool:
        return self.stage in (Stage.publication, Stage.appeal_publication)

    @property
    def file_open_to_me(self) -> bool:
        return self.my_seat is not None and self.my_seat.open_to_them


async def overview(reference: str, viewer_id: int, *, may_assign: bool) -> Overview:
    case = await stages.find(reference)
    now = _now()
    seats = await panel.seats(case)
    mine = [seat for seat in seats if seat.staff_id == viewer_id and seat.sitting]
    steps = [(row["stage"], row["at"]) for row in await CaseStep.select().where(
        CaseStep.case_file == case.id).order_by(CaseStep.at)]
    decided = [{"instance": row["instance"], "decided_at": row["decided_at"],
                "deferred_at": row["deferred_at"], "published_at": row["published_at"]}
               for row in await CaseDecision.select().where(
                   (CaseDecision.case_file == case.id)
                   & (CaseDecision.status == DecisionStatus.adopted))]
    assignable = case.stage in panel.ASSIGNABLE[case.instance]
    return Overview(
        reference=case.reference, kind=case.kind, stage=case.stage.value,
        filed_at=case.filed_at, self_declared=case.self_declared,
        due=_due(await stages.next_deadline(case), now), steps=steps, seats=seats,
        my_seat=next((s for s in mine if s.instance == case.instance), mine[0] if mine else None),
        candidates=await panel.candidates(case) if may_assign and assignable else None,
        interim_proposed=await InterimMeasure.exists().where(
            (InterimMeasure.case_file == case.id) & InterimMeasure.confirmed_at.is_null()
            & InterimMeasure.withdrawn_at.is_null()),
        decisions=decided,
        appealed=await CaseAppeal.exists().where(CaseAppeal.case_file == case.id))


# --- The case file ---------------------------------------------------------------------

@dataclass(frozen=True)
class Vote:
    name: str
    in_favour: bool
    dissent: str
    at: datetime


@dataclass(frozen=True)
class DecisionView:
    id: int
    instance: str
    status: str
    draft: decisions.Draft
    drafted_by: str
    drafted_at: datetime
    decided_at: datetime | None
    sha256: str | None
    votes: list[Vote]
    deferred_at: datetime | None
    published_at: datetime | None


@dataclass(frozen=True)
class CaseFile:
    case: CaseRecord
    respondent_name: str
    respondent_status: str
    respondent_persecuted: bool
    messages: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    decisions: list[DecisionView]
    appeal: dict[str, Any] | None
    interim: list[dict[str, Any]]
    recusals: list[tuple[str, str]]  # who, why
    # What the rules allow now, for the forms to show (each action checks again).
    can: dict[str, bool]


async def open_file(reference: str, staff_id: int, *, actor: audit.Actor) -> CaseFile:
    """The whole case, for a member who may open it; the opening is audited."""
    case = await stages.find(reference)
    await panel.opened_by(case, staff_id, actor=actor)
    names = {m.id: m.name for m in await list_staff()}
    h = await holder(case.respondent)
    messages = [{"author": row["author"], "audience": row["audience"], "at": row["at"],
                 "text": unseal(CaseMessage.body, row["body"])}
                for row in await parties.case_messages(case)]
    attachments = [{"id": row["id"], "author": row["author"], "media_type": row["media_type"],
                    "size": row["size"], "metadata_removed": row["metadata_removed"],
                    "name": unseal(CaseAttachment.name, row["name"]), "at": row["at"]}
                   for row in await CaseAttachment.select(
                       CaseAttachment._meta.primary_key, CaseAttachment.author,
                       CaseAttachment.media_type, CaseAttachment.size,
                       CaseAttachment.metadata_removed, CaseAttachment.name,
                       CaseAttachment.at).where(CaseAttachment.case_file == case.id).order_by(
                       CaseAttachment.at)]
    notes = [{"by": names.get(row["staff"], "?"), "at": row["at"],
              "text": unseal(CaseNote.body, row["body"])}
             for row in await CaseNote.select().where(CaseNote.case_file == case.id).order_by(
                 CaseNote.at)]
    views = []
    for row in await CaseDecision.select().where(CaseDecision.case_file == case.id).order_by(
            CaseDecision._meta.primary_key):
        votes = [Vote(names.get(v["staff"], "?"), b["in_favour"], b["dissent"], v["at"])
                 for v in await CaseVote.select().where(CaseVote.decision == row["id"])
                 for b in [decisions.opened_ballot(v)]]
        views.append(DecisionView(
            id=row["id"], instance=row["instance"], status=row["status"],
            draft=decisions.Draft(**json.loads(unseal(CaseDecision.content, row["content"]))),
            drafted_by=names.get(row["drafted_by"], "?"), drafted_at=row["drafted_at"],
            decided_at=row["decided_at"], sha256=row["document_sha256"], votes=votes,
            deferred_at=row["deferred_at"], published_at=row["published_at"]))
    appeal_row = await CaseAppeal.select().where(CaseAppeal.case_file == case.id).first()
    interim = [{"until": unseal_moment(InterimMeasure.until, row["until"]),
                "reason": unseal(InterimMeasure.reason, row["reason"]),
                "proposed_by": names.get(row["proposed_by"], "?"),
                "proposed_by_id": row["proposed_by"],
                "confirmed_by": names.get(row["confirmed_by"]) if row["confirmed_by"] else None,
                "withdrawn": row["withdrawn_at"] is not None}
               for row in await InterimMeasure.select().where(
                   InterimMeasure.case_file == case.id)]
    recusals = [(seat.name, seat.recusal_reason) for seat in await panel.seats(case)
                if seat.recused_at]
    instance = case.instance
    open_draft = next((v for v in views if v.instance == instance
                       and v.status in (DecisionStatus.draft, DecisionStatus.shared)), None)
    drafting = case.stage in decisions.DRAFTING[instance]
    shared = open_draft is not None and open_draft.status == DecisionStatus.shared
    can = {"write": case.stage not in stages.FINAL,
           "decide_admissibility": case.stage == Stage.admissibility,
           "draft": drafting and not shared,
           "share": drafting and open_draft is not None and not shared,
           "vote": case.stage == decisions.VOTING[instance] and shared,
           "interim": case.stage in decisions.INTERIM_STAGES}
    return CaseFile(
        case=case, respondent_name=h.application["public_name"],
        # As every reader shows it: superseded already if a newer version is in force.
        respondent_status=supersession.shown(h.status.value, h.signatory["version_id"],
                                             await supersession.in_force()),
        respondent_persecuted=h.persecuted,
        messages=messages, attachments=attachments, notes=notes, decisions=views,
        appeal={"party": appeal_row["party"], "at": appeal_row["at"],
                "grounds": unseal(CaseAppeal.grounds, appeal_row["grounds"])}
        if appeal_row else None,
        interim=interim, recusals=recusals, can=can)


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


NO_ATTACHMENT = N_("There is no such attachment in this case.")


async def attachment(reference: str, attachment_id: int, staff_id: int, *,
                     actor: audit.Actor) -> Download:
    case = await stages.find(reference)
    await panel.require_open(case, staff_id, actor=actor, what="attachment",
                             instance=panel.reading_instance(case))
    row = await CaseAttachment.select().where(
        (CaseAttachment._meta.primary_key == attachment_id)
        & (CaseAttachment.case_file == case.id)).first()
    if row is None:
        raise NotFound(NO_ATTACHMENT)
    await panel.opened_by(case, staff_id, actor=actor, attachment=attachment_id,
                          checked=True)
    extension = next((k.extension for k in KINDS.values()
                      if k.media_type == row["media_type"]), ".bin")
    return Download(filename=f"{case.reference}-{attachment_id}{extension}",
                    media_type=row["media_type"],
                    content=base64.b64decode(unseal(CaseAttachment.content, row["content"])))
