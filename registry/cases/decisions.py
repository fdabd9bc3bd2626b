"""The panel's work on a case, from acknowledgement to the appeal decision: every move is
one function here, one transaction, the case locked, its stage moved only through
`stages.move`.

- **Admissibility**: a confirmed member decides; inadmissible with one of the stated
  reasons (a public fact that names nobody), or admissible: the respondent is told, or,
  for a conflict the signatory declared itself, the panel reviews at once.
- **Draft, comments, vote**: a confirmed member writes the draft (outcome, principles
  found breached, reasoning, a public summary written separately); shared, both sides may
  comment for the configured days; then the members assigned vote. A majority of the
  members sitting (assigned and not recused) adopts it; those against are its dissent.
  A majority against sends the panel back to drafting. Votes are taken under the case's
  lock, and an index allows one adopted decision per case and instance, so two members
  voting at the same moment never produce two decisions.
- **The decision** is a canonical document (below) whose SHA-256 the registry
  countersigns with its signing key, as it does receipts. Its sanction takes effect at
  once through the accession life cycle: a suspension until its date (it ends by
  itself); a revocation suspends at once and revokes when the decision can no longer be
  appealed (a revocation cannot be undone: its status-list bit is final); any other
  outcome lifts a suspension this case had imposed.
- **Publication**: the chair publishes the decision, or, where publishing it now would
  endanger someone, defers its text: the document's SHA-256 is a public fact at once, the
  text follows later, and anyone can check that the two match. Then the appeal window
  opens and both sides are told.
- **Appeal**: once per case, by either side, within the window; heard by members who sat
  on neither the first panel nor have a conflict; its decision replaces the first, and its
  sanction the first's.
- **Interim measures**: before a decision, an urgent suspension needs the chair and a
  second member of the panel; one member alone can suspend no one.

The decision document (canonical JSON, registry/canonical.py), as published:
`type` "case-decision", `registry` (the base URL), `case` (the reference), `case_kind`,
`instance` ("first" or "appeal"), `outcome`, `principles_breached`, `suspension_until`
(a date or null), `public_summary`, `respondent` ({"signatory", "name"} or null: never
for a not-upheld decision, nor where the panel chose not to name it), `filed`,
`decided` (dates), `votes` ({"in_favour", "against", "panel"}), `replaces` (the first
decision's SHA-256, for an appeal). Never the filer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from registry import db, keys, labels, runtime
from registry.accessions import register
from registry.accessions.holders import holder
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.canonical import canonical_json
from registry.cases import notices, panel, parties, sanctions, stages
from registry.cases.stages import CaseRecord
from registry.cases.tables import (
    Case,
    CaseDecision,
    CaseNote,
    CaseVote,
    DecisionStatus,
    InadmissibleReason,
    Instance,
    InterimMeasure,
    LinkPurpose,
    Outcome,
    Stage,
)
from registry.deadlines import services as deadlines
from registry.facts import kinds as facts
from registry.facts import services as public
from registry.keys import signing
from registry.keys.sealed import seal, seal_moment, unseal, unseal_moment
from registry.refusals import Conflict, Forbidden, Invalid, NotFound, Words
from registry.settings import Settings
from registry.staff.permissions import Role
from registry.translation import N_, NP_

S = Stage
DECISION_TYPE = stages.DECISION_TYPE
_DECISION = CaseDecision._meta.primary_key
_INTERIM = InterimMeasure._meta.primary_key
# Where each instance drafts and votes, and where its adopted decision goes.
DRAFTING = {Instance.first: frozenset({S.review}), Instance.appeal: frozenset({S.appeal})}
VOTING = {Instance.first: S.deliberation, Instance.appeal: S.appeal}
ADOPTED_TO = {Instance.first: S.publication, Instance.appeal: S.appeal_publication}
LONGEST_SUSPENSION = timedelta(days=3 * 365)
NOT_AT_STAGE = N_("This cannot be done at the present stage of the case.")


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str, *, field: str, low: int, high: int, words: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if not low <= len(value) <= high:
        raise Invalid(words, field=field, low=low, high=high)
    return value


LENGTH = N_("Write between %(low)s and %(high)s characters.")


async def _seated(case: CaseRecord, staff_id: int, actor: audit.Actor) -> None:
    """Acting in a case needs a confirmed seat on its current panel (audited if not)."""
    await panel.require_open(case, staff_id, actor=actor, what="act", instance=case.instance)


# --- Acknowledgement and admissibility -------------------------------------------------

async def acknowledge(reference: str, *, actor: audit.Actor, settings: Settings) -> None:
    """The secretariat acknowledges a case: it goes to admissibility. Reading the file is
    not needed for this, and not given."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await stages.move(case, S.admissibility, actor=actor, now=now, settings=settings)
        await parties.tell_filer(case, settings=settings)


async def decide_admissibility(reference: str, staff_id: int, *, admissible: bool,
                               reason: str | None, actor: audit.Actor,
                               settings: Settings) -> None:
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        if case.stage != S.admissibility:
            raise Conflict(NOT_AT_STAGE)
        if admissible:
            if case.self_declared:
                await stages.move(case, S.review, actor=actor, now=now, settings=settings)
            else:
                moved = await stages.move(case, S.answer, actor=actor, now=now,
                                          settings=settings)
                due = await stages.next_deadline(moved)
                await parties.tell_respondent(moved, "respondent_told", LinkPurpose.answer,
                                              due=due.due_at if due else None,
                                              settings=settings, now=now)
        else:
            try:
                why = InadmissibleReason(reason or "")
            except ValueError:
                raise Invalid(N_("Choose why the case is inadmissible."),
                              field="reason") from None
            await Case.update({Case.inadmissible_reason: why}).where(
                Case._meta.primary_key == case.id)
            moved = await stages.move(case, S.inadmissible, actor=actor, now=now,
                                      settings=settings, details={"reason": why.value})
            if moved.effects:  # an interim measure ends with the case
                await sanctions.apply_decision(moved, Outcome.not_upheld, None, final=True,
                                               actor=actor, settings=settings)
            await public.record(facts.CaseInadmissible(
                reference=case.reference, case_kind=case.kind, reason=why.value,
                filed=case.filed_at.date(), decided=now.date()), now=now)
        await parties.tell_filer(case, settings=settings)


# --- Messages, notes, the filer's mark -------------------------------------------------

AUDIENCES = ("filer", "respondent", "both")


async def panel_writes(reference: str, staff_id: int, audience: str, text: str, *,
                       actor: audit.Actor, settings: Settings) -> None:
    """A message from the panel to the filer, the respondent, or both; the respondent
    gets a new link to read and answer it."""
    text = _text(text, field="text", low=2, high=20000, words=LENGTH)
    if audience not in AUDIENCES:
        raise Invalid(N_("Choose to whom the message goes."), field="audience")
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        if case.stage in stages.FINAL:
            raise Conflict(NOT_AT_STAGE)
        if case.self_declared:
            audience = "both"  # the declarant is the respondent
        elif audience != "filer" and case.stage in (S.received, S.admissibility):
            raise Conflict(N_("The respondent is told of the case only once it is found "
                              "admissible: until then, write to the filer only."))
        await parties.add_message(case, "panel", text, audience=audience, now=now,
                                  actor=actor, tag=EventTag.case_message_sent)
        if audience in ("filer", "both") and not case.self_declared:
            await parties.tell_filer(case, settings=settings)
        if audience in ("respondent", "both"):
            await parties.tell_respondent(case, "respondent_message", LinkPurpose.reply,
                                          due=None, settings=settings, now=now)


async def add_note(reference: str, staff_id: int, text: str, *, actor: audit.Actor) -> None:
    text = _text(text, field="note", low=2, high=20000, words=LENGTH)
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await panel.require_open(case, staff_id, actor=actor, what="note",
                                 instance=case.instance)
        await CaseNote.insert(CaseNote(case_file=case.id, staff=staff_id,
                                       body=seal(CaseNote.body, text), at=now))
        await audit.record(EventTag.case_note_added, actor=actor, subject=case.subject)


async def mark_filer_persecuted(reference: str, staff_id: int, persecuted: bool, *,
                                actor: audit.Actor) -> None:
    """The filer is in danger: the case's deadlines pause until the mark is lifted (and
    then move on by the pause they saw). Sealed; never shown to the parties."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        if persecuted == (case.filer_persecuted_since is not None):
            return
        since = now if persecuted else None
        await Case.update({Case.filer_persecution: seal_moment(Case.filer_persecution, since)}
                          ).where(Case._meta.primary_key == case.id)
        await stages.follow_pause(replace(case, filer_persecuted_since=since), now=now)
        await audit.record(EventTag.case_filer_persecution_marked if persecuted
                           else EventTag.case_filer_persecution_unmarked, actor=actor,
                           subject=case.subject)


# --- Drafts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    outcome: str
    principles_breached: list[int]
    reasoning: str
    public_summary: str
    suspension_until: str | None  # YYYY-MM-DD
    names_respondent: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_draft(values: dict[str, Any], now: datetime) -> Draft:
    """The panel's draft, refused in words where it breaks a rule."""
    try:
        outcome = Outcome(values.get("outcome") or "")
    except ValueError:
        raise Invalid(N_("Choose the outcome."), field="outcome") from None
    breached = values.get("principles_breached") or []
    if not isinstance(breached, list) or any(
            not isinstance(n, int) or not 1 <= n <= 15 for n in breached):
        raise Invalid(N_("The Principles are numbered 1 to 15."), field="principles_breached")
    breached = sorted(set(breached))
    if outcome == Outcome.not_upheld and breached:
        raise Invalid(N_("A complaint not upheld finds no principle breached."),
                      field="principles_breached")
    if outcome != Outcome.not_upheld and not breached:
        raise Invalid(N_("Name the principles found breached."), field="principles_breached")
    reasoning = _text(str(values.get("reasoning") or ""), field="reasoning", low=20,
                      high=20000, words=LENGTH)
    summary = _text(str(values.get("public_summary") or ""), field="public_summary", low=20,
                    high=5000, words=LENGTH)
    until = values.get("suspension_until")
    if outcome == Outcome.suspension:
        if not isinstance(until, date):
            raise Invalid(N_("Give the day the suspension ends."), field="suspension_until")
        if not now.date() < until <= (now + LONGEST_SUSPENSION).date():
            raise Invalid(N_("A suspension ends after today and within three years."),
                          field="suspension_until")
    elif until:
        raise Invalid(N_("Only a suspension has an end date."), field="suspension_until")
    names = bool(values.get("names_respondent")) and outcome != Outcome.not_upheld
    return Draft(outcome.value, breached, reasoning, summary,
                 until.isoformat() if isinstance(until, date) else None, names)


def _draft_of(row: dict) -> Draft:
    return Draft(**json.loads(unseal(CaseDecision.content, row["content"])))


async def _open_draft(case: CaseRecord, instance: Instance) -> dict | None:
    return await CaseDecision.select().where(
        (CaseDecision.case_file == case.id) & (CaseDecision.instance == instance)
        & CaseDecision.status.is_in([DecisionStatus.draft, DecisionStatus.shared])).first()


async def save_draft(reference: str, staff_id: int, values: dict[str, Any], *,
                     actor: audit.Actor) -> None:
    now = _now()
    draft = check_draft(values, now)
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        instance = case.instance
        if case.stage not in DRAFTING[instance]:
            raise Conflict(NOT_AT_STAGE)
        current = await _open_draft(case, instance)
        content = seal(CaseDecision.content, json.dumps(draft.as_dict(), ensure_ascii=False))
        if current is not None and current["status"] == DecisionStatus.shared:
            raise Conflict(N_("The draft is already put to the vote; it can no longer change."))
        if current is None:
            await CaseDecision.insert(CaseDecision(
                case_file=case.id, instance=instance, status=DecisionStatus.draft,
                content=content, drafted_by=staff_id, drafted_at=now,
                countersignature=seal(CaseDecision.countersignature, "")))
        else:
            await CaseDecision.update({CaseDecision.content: content,
                                       CaseDecision.drafted_by: staff_id,
                                       CaseDecision.drafted_at: now}).where(
                _DECISION == current["id"])
        await audit.record(EventTag.case_draft_saved, actor=actor, subject=case.subject,
                           details={"instance": instance.value})


async def share_draft(reference: str, staff_id: int, *, actor: audit.Actor,
                      settings: Settings) -> None:
    """First instance: the draft goes to both sides for comment, and the vote follows the
    comments. On appeal: the draft is put to the appeal panel's vote."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        instance = case.instance
        current = await _open_draft(case, instance)
        if case.stage not in DRAFTING[instance] or current is None or (
                current["status"] != DecisionStatus.draft):
            raise Conflict(N_("There is no draft to share at this stage."))
        await _enough(case, instance, settings)
        until = _draft_of(current).suspension_until
        takes_effect = now + timedelta(days=settings.case_comment_days + 1
                                       if instance == Instance.first else 1)
        if until and date.fromisoformat(until) <= takes_effect.date():
            raise Invalid(N_("The suspension would end before the decision can take effect: "
                             "give a later day."), field="suspension_until")
        await CaseDecision.update({CaseDecision.status: DecisionStatus.shared,
                                   CaseDecision.shared_at: now}).where(
            _DECISION == current["id"])
        await audit.record(EventTag.case_draft_shared, actor=actor, subject=case.subject,
                           details={"instance": instance.value})
        if instance == Instance.first:
            moved = await stages.move(case, S.comments, actor=actor, now=now,
                                      settings=settings)
            due = await stages.next_deadline(moved)
            await parties.tell_filer(case, settings=settings)
            await parties.tell_respondent(moved, "respondent_draft", LinkPurpose.comment,
                                          due=due.due_at if due else None, settings=settings,
                                          now=now)


# --- Votes and the decision ------------------------------------------------------------

VOTE_REFUSED = N_("Only the members sitting on this panel, having confirmed that they have "
                  "no conflict, may vote.")
TOO_FEW = NP_("Fewer than %(count)s member of this panel has confirmed having no conflict: "
              "the chair assigns more before the panel decides.",
              "Fewer than %(count)s members of this panel have confirmed that they have no "
              "conflict: the chair assigns more before the panel decides.")
ENDS_TOO_SOON = N_("The suspension in this draft would end before the decision takes "
                   "effect. Vote against it, so that the panel drafts again.")
BALLOT_WIDTH = 20100  # a ballot's sealed JSON is padded to one length


def ballot(in_favour: bool, dissent: str) -> str:
    return seal(CaseVote.ballot, json.dumps({"in_favour": in_favour, "dissent": dissent},
                                            ensure_ascii=False).ljust(BALLOT_WIDTH))


def opened_ballot(row: dict) -> dict[str, Any]:
    return json.loads(unseal(CaseVote.ballot, row["ballot"]))


async def _enough(case: CaseRecord, instance: Instance, settings: Settings) -> None:
    """A panel decides only with at least `case_panel_min` members who confirmed."""
    confirmed = [row for row in await panel.sitting(case, instance) if row["confirmed_at"]]
    if len(confirmed) < settings.case_panel_min:
        raise Conflict(TOO_FEW, count=settings.case_panel_min)


async def vote(reference: str, staff_id: int, *, in_favour: bool, dissent: str = "",
               actor: audit.Actor, settings: Settings) -> str:
    """One member's vote on the shared draft; returns "adopted", "rejected" or "open"."""
    dissent = dissent.replace("\r\n", "\n").strip()
    if len(dissent) > 20000:
        raise Invalid(LENGTH, field="dissent", low=0, high=20000)
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        instance = case.instance
        try:
            await panel.require_open(case, staff_id, actor=actor, what="vote",
                                     instance=instance)
        except Forbidden:
            raise Forbidden(VOTE_REFUSED) from None
        current = await _open_draft(case, instance)
        if case.stage != VOTING[instance] or current is None or (
                current["status"] != DecisionStatus.shared):
            raise Conflict(N_("There is nothing to vote on at this stage."))
        if await CaseVote.exists().where((CaseVote.decision == current["id"])
                                         & (CaseVote.staff == staff_id)):
            raise Conflict(N_("You have already voted on this draft."))
        await _enough(case, instance, settings)
        draft = _draft_of(current)
        if in_favour and draft.suspension_until and (
                date.fromisoformat(draft.suspension_until) <= now.date()):
            raise Conflict(ENDS_TOO_SOON)
        await CaseVote.insert(CaseVote(decision=current["id"], staff=staff_id,
                                       ballot=ballot(in_favour, dissent), at=now))
        await audit.record(EventTag.case_vote_cast, actor=actor, subject=case.subject,
                           details={"instance": instance.value})
        return await _tally(case, current, actor=actor, settings=settings, now=now)


async def _tally(case: CaseRecord, current: dict, *, actor: audit.Actor, settings: Settings,
                 now: datetime) -> str:
    """Count the votes of the members sitting now who confirmed having no conflict (the
    panel that decides): with fewer than the quorum nothing is decided; a majority of
    them for, two at least, adopts the draft; a majority against, or every vote cast
    with no majority for, rejects it."""
    instance = Instance(current["instance"])
    panel_ = {row["staff"] for row in await panel.sitting(case, instance)
              if row["confirmed_at"] is not None}
    if len(panel_) < settings.case_panel_min:
        return "open"
    ballots = [opened_ballot(row) for row in await CaseVote.select().where(
        CaseVote.decision == current["id"]) if row["staff"] in panel_]
    for_ = sum(1 for b in ballots if b["in_favour"])
    against = len(ballots) - for_
    until = _draft_of(current).suspension_until
    if for_ * 2 > len(panel_) and for_ >= 2 and not (
            until and date.fromisoformat(until) <= now.date()):
        await _adopt(case, current, for_=for_, against=against, panel_size=len(panel_),
                     actor=actor, settings=settings, now=now)
        return "adopted"
    if against * 2 > len(panel_) or len(ballots) == len(panel_):
        await CaseDecision.update({CaseDecision.status: DecisionStatus.rejected}).where(
            _DECISION == current["id"])
        await audit.record(EventTag.case_decision_rejected, actor=actor,
                           subject=case.subject, details={"instance": instance.value})
        if instance == Instance.first:
            await stages.move(case, S.review, actor=actor, now=now, settings=settings,
                              details={"draft": "rejected"})
        return "rejected"
    return "open"


async def recount(case: CaseRecord, *, actor: audit.Actor, settings: Settings) -> str | None:
    """After a recusal: the panel is smaller, and the votes cast may now decide."""
    current = await _open_draft(case, case.instance)
    if current is None or current["status"] != DecisionStatus.shared or (
            case.stage != VOTING[case.instance]):
        return None
    return await _tally(case, current, actor=actor, settings=settings, now=_now())


def document(case: CaseRecord, draft: Draft, *, instance: Instance, decided: datetime,
             respondent_name: str | None, for_: int, against: int, panel_size: int,
             replaces: str | None, settings: Settings) -> dict[str, Any]:
    """The decision's public document: what is published, hashed and countersigned."""
    return {
        "type": "case-decision", "registry": settings.base_url, "case": case.reference,
        "case_kind": case.kind, "instance": instance.value, "outcome": draft.outcome,
        "principles_breached": draft.principles_breached,
        "suspension_until": draft.suspension_until, "public_summary": draft.public_summary,
        "respondent": {"signatory": case.respondent, "name": respondent_name}
        if draft.names_respondent and respondent_name else None,
        "filed": case.filed_at.date().isoformat(), "decided": decided.date().isoformat(),
        "votes": {"in_favour": for_, "against": against, "panel": panel_size},
        "replaces": replaces,
    }


def sha256_of(document_: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document_)).hexdigest()


def countersign(document_: dict[str, Any], sha256: str) -> str:
    return signing.sign(keys.keyring().signing, {"type": "case-decision",
                                                 "decision": document_, "sha256": sha256},
                        typ=DECISION_TYPE)


async def _adopted(case: CaseRecord, instance: Instance) -> dict | None:
    return await CaseDecision.select().where(
        (CaseDecision.case_file == case.id) & (CaseDecision.instance == instance)
        & (CaseDecision.status == DecisionStatus.adopted)).first()


async def _adopt(case: CaseRecord, row: dict, *, for_: int, against: int, panel_size: int,
                 actor: audit.Actor, settings: Settings, now: datetime) -> None:
    instance = Instance(row["instance"])
    draft = _draft_of(row)
    first = await _adopted(case, Instance.first) if instance == Instance.appeal else None
    listed = await register.find(case.respondent)
    doc = document(case, draft, instance=instance, decided=now,
                   respondent_name=listed.name if listed else None, for_=for_,
                   against=against, panel_size=panel_size,
                   replaces=first["document_sha256"] if first else None, settings=settings)
    digest = sha256_of(doc)
    try:
        with db.unique_violations_as_domain_error():
            await CaseDecision.update({
                CaseDecision.status: DecisionStatus.adopted, CaseDecision.decided_at: now,
                CaseDecision.document_sha256: digest,
                CaseDecision.countersignature: seal(CaseDecision.countersignature, json.dumps(
                    {"document": doc, "jws": countersign(doc, digest)}, ensure_ascii=False)),
            }).where(_DECISION == row["id"])
    except db.UniqueViolation:  # the index's guarantee, behind the case's lock
        raise Conflict(N_("This case already has its decision.")) from None
    await audit.record(EventTag.case_decision_adopted, actor=actor, subject=case.subject,
                       details={"instance": instance.value, "sha256": digest,
                                "in_favour": for_, "against": against})
    moved = await stages.move(case, ADOPTED_TO[instance], actor=actor, now=now,
                              settings=settings)
    await sanctions.apply_decision(moved, Outcome(draft.outcome), draft.suspension_until,
                                   final=instance == Instance.appeal, actor=actor,
                                   settings=settings)


# --- Publication -----------------------------------------------------------------------

@dataclass(frozen=True)
class Signed:
    document: dict[str, Any]
    sha256: str
    jws: str


def signed(row: dict) -> Signed:
    opened = json.loads(unseal(CaseDecision.countersignature, row["countersignature"]))
    return Signed(opened["document"], row["document_sha256"], opened["jws"])


async def publish(reference: str, *, defer: bool, actor: audit.Actor,
                  settings: Settings) -> None:
    """The chair publishes the adopted decision, or its hash now and its text later; then
    the appeal window opens (first instance) or the case closes (appeal), and both
    sides are told."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        if case.stage not in (S.publication, S.appeal_publication):
            raise Conflict(N_("There is no decision waiting for publication."))
        await panel.require_free(case, actor)
        instance = Instance.appeal if case.stage == S.appeal_publication else Instance.first
        row = await _adopted(case, instance)
        assert row is not None, "a case reaches publication through its adopted decision"
        decision = signed(row)
        if defer:
            await CaseDecision.update({CaseDecision.deferred_at: now}).where(
                _DECISION == row["id"])
            await public.record(facts.DecisionDeferred(
                reference=case.reference, instance=instance.value, sha256=decision.sha256,
                decided=row["decided_at"].date()), now=now)
        else:
            await _publish_text(case, row, decision, now=now)
        await audit.record(EventTag.case_decision_deferred if defer
                           else EventTag.case_decision_published, actor=actor,
                           subject=case.subject, details={"instance": instance.value})
        if instance == Instance.first:
            moved = await stages.move(case, S.appeal_window, actor=actor, now=now,
                                      settings=settings)
            due = await stages.next_deadline(moved)
            await parties.tell_respondent(moved, "respondent_decided", LinkPurpose.appeal,
                                          due=due.due_at if due else None, settings=settings,
                                          now=now)
        else:
            moved = await stages.move(case, S.closed, actor=actor, now=now,
                                      settings=settings)
            await parties.tell_respondent(moved, "respondent_appeal_decided",
                                          LinkPurpose.appeal, due=None, settings=settings,
                                          now=now)
        await parties.tell_filer(case, settings=settings)


async def _publish_text(case: CaseRecord, row: dict, decision: Signed, *,
                        now: datetime) -> None:
    await CaseDecision.update({CaseDecision.published_at: now}).where(_DECISION == row["id"])
    await public.record(facts.DecisionPublished(
        reference=case.reference, instance=row["instance"], document=decision.document,
        sha256=decision.sha256, countersignature=decision.jws), now=now)


async def publish_deferred(reference: str, *, actor: audit.Actor) -> None:
    """Publish the text of every decision of the case whose publication was deferred."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await panel.require_free(case, actor)
        rows = await CaseDecision.select().where(
            (CaseDecision.case_file == case.id) & CaseDecision.deferred_at.is_not_null()
            & CaseDecision.published_at.is_null())
        if not rows:
            raise Conflict(N_("No decision of this case is waiting for its text to be "
                              "published."))
        for row in rows:
            await _publish_text(case, row, signed(row), now=now)
            await audit.record(EventTag.case_decision_published, actor=actor,
                               subject=case.subject,
                               details={"instance": row["instance"], "deferred": True})


# --- Appeal by the filer ---------------------------------------------------------------

async def filer_appeals(case_reference: str, grounds: str, *, settings: Settings) -> None:
    """Called once the filer's receipt code has opened the case (services.py)."""
    grounds = _text(grounds, field="grounds", low=20, high=20000, words=LENGTH)
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(case_reference)
        await parties.appeal(case, "filer", grounds, now=now, actor=audit.ANONYMOUS,
                             settings=settings)


# --- Interim measures ------------------------------------------------------------------

INTERIM_STAGES = frozenset({S.admissibility, S.answer, S.review, S.comments, S.deliberation})


async def propose_interim(reference: str, staff_id: int, *, until: date, reason: str,
                          actor: audit.Actor, settings: Settings) -> None:
    reason = _text(reason, field="reason", low=10, high=5000, words=LENGTH)
    now = _now()
    end = datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    if not now < end <= now + timedelta(days=settings.case_interim_max_days):
        raise Invalid(NP_("An interim suspension ends after today and within %(days)s day.",
                          "An interim suspension ends after today and within %(days)s days.",
                          "days"), field="until", days=settings.case_interim_max_days)
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        if case.stage not in INTERIM_STAGES:
            raise Conflict(NOT_AT_STAGE)
        if await InterimMeasure.exists().where(
                (InterimMeasure.case_file == case.id) & InterimMeasure.confirmed_at.is_null()
                & InterimMeasure.withdrawn_at.is_null()):
            raise Conflict(N_("An interim measure is already proposed in this case."))
        await InterimMeasure.insert(InterimMeasure(
            case_file=case.id, proposed_by=staff_id, proposed_at=now,
            until=seal_moment(InterimMeasure.until, end),
            reason=seal(InterimMeasure.reason, reason)))
        await audit.record(EventTag.case_interim_proposed, actor=actor, subject=case.subject)
        others = await panel.seated_ids(case, case.instance) - {staff_id}
        await notices.to_staff("staff_interim", staff_ids=others, settings=settings,
                               reference=case.reference)


async def _proposed(case: CaseRecord) -> dict:
    row = await InterimMeasure.select().where(
        (InterimMeasure.case_file == case.id) & InterimMeasure.confirmed_at.is_null()
        & InterimMeasure.withdrawn_at.is_null()).first()
    if row is None:
        raise NotFound(N_("No interim measure is waiting in this case."))
    return row


async def confirm_interim(reference: str, staff_id: int, *, actor: audit.Actor,
                          settings: Settings) -> None:
    """A second member confirms: the suspension takes effect now."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        row = await _proposed(case)
        if row["proposed_by"] == staff_id:
            raise Forbidden(N_("A second member must confirm the measure the chair proposed."))
        until = unseal_moment(InterimMeasure.until, row["until"])
        if case.stage not in INTERIM_STAGES or until is None or until <= now:
            raise Conflict(NOT_AT_STAGE)
        status = (await holder(case.respondent)).status
        if status not in sanctions.SUSPENDABLE:
            raise Conflict(N_("The accession is %(status)s: it cannot be suspended."),
                           status=labels.ACCESSION_STATUS.words_of(status))
        await InterimMeasure.update({InterimMeasure.confirmed_by: staff_id,
                                     InterimMeasure.confirmed_at: now}).where(
            _INTERIM == row["id"])
        await sanctions.hold(case, {"suspended": True, "interim": True,
                                    "until": until.isoformat()}, actor=actor,
                             settings=settings)
        await audit.record(EventTag.case_interim_confirmed, actor=actor, subject=case.subject)


async def withdraw_interim(reference: str, staff_id: int, *, actor: audit.Actor) -> None:
    async with db.write_transaction():
        case = await stages.locked(reference)
        await _seated(case, staff_id, actor)
        row = await _proposed(case)
        await InterimMeasure.update({InterimMeasure.withdrawn_at: _now()}).where(
            _INTERIM == row["id"])
        await audit.record(EventTag.case_interim_withdrawn, actor=actor, subject=case.subject)


# --- What the parties see of the decision ----------------------------------------------

SHOWN_TO_PARTIES = frozenset({S.comments, S.appeal_window, S.appeal, S.appeal_publication,
                              S.closed})


@dataclass(frozen=True)
class PartyDecision:
    """The draft (while shared for comment) or the decision, as both sides see it."""

    draft: bool
    instance: str
    outcome: str
    principles_breached: list[int]
    reasoning: str
    public_summary: str
    suspension_until: str | None
    decided_at: datetime | None


async def for_parties(case: CaseRecord) -> PartyDecision | None:
    if case.stage not in SHOWN_TO_PARTIES:
        return None
    if case.stage == S.comments:
        row = await _open_draft(case, Instance.first)
    else:
        row = None
        if case.stage == S.closed:
            row = await _adopted(case, Instance.appeal)
        row = row or await _adopted(case, Instance.first)
    if row is None:
        return None
    draft = _draft_of(row)
    return PartyDecision(draft=row["status"] != DecisionStatus.adopted,
                         instance=row["instance"], outcome=draft.outcome,
                         principles_breached=draft.principles_breached,
                         reasoning=draft.reasoning, public_summary=draft.public_summary,
                         suspension_until=draft.suspension_until,
                         decided_at=row["decided_at"])


# --- What falls due --------------------------------------------------------------------

async def _responsible(case: CaseRecord, who: str) -> tuple[set[int] | None, set[Role] | None]:
    if who == "secretariat":
        return None, {Role.secretariat}
    if who == "panel":
        sitting = await panel.seated_ids(case, case.instance)
        return (sitting, None) if sitting else (None, {Role.panel_chair})
    return None, {Role.panel_chair}


async def _stage_due(due: deadlines.Due, now: datetime) -> bool:
    """A stage's deadline fell due: where a party had the time, the case moves on; where
    staff had to act, they are told it is overdue."""
    settings = runtime.settings()
    case = await stages.find(due.subject.removeprefix("case:"))
    clock = stages.CLOCKS.get(case.stage)
    if clock is None or clock.kind != due.kind:
        return False
    if clock.then is None:
        ids, roles = await _responsible(case, clock.who)
        await notices.to_staff("staff_overdue", staff_ids=ids, roles=roles, settings=settings,
                               reference=case.reference, what=_what(clock.kind),
                               due=notices.day(due.due_at))
        return True
    moved = await stages.move(case, clock.then, actor=audit.SYSTEM, now=now,
                              settings=settings, details={"deadline": due.kind})
    if clock.then == S.closed:  # no appeal came: a revocation waiting for it is final
        await sanctions.revocation_final(moved, actor=audit.SYSTEM, settings=settings)
    return True


def _what(kind: str) -> Words:
    return Words(stages.DUE_WORDS.get(kind, kind))


async def _remind(due: deadlines.Due, now: datetime) -> bool:
    settings = runtime.settings()
    case = await stages.find(due.subject.removeprefix("case:"))
    clock = stages.CLOCKS.get(case.stage)
    if clock is None or clock.then is not None or due.stated_at is None:
        return False
    ids, roles = await _responsible(case, clock.who)
    sent = await notices.to_staff("staff_reminder", staff_ids=ids, roles=roles,
                                  settings=settings, reference=case.reference,
                                  what=_what(clock.kind), due=notices.day(due.stated_at))
    await audit.record(EventTag.case_deadline_reminded, actor=audit.SYSTEM,
                       subject=case.subject, details={"kind": clock.kind, "staff": sent})
    return bool(sent)


def install() -> None:
    """Hook cases into the spine: the deadlines they act on, the pauses they follow."""
    for kind in stages.CLOCK_KINDS:
        deadlines.register(deadlines.DeadlineKind(kind, _stage_due, locks=stages.lock_names))
    deadlines.register(deadlines.DeadlineKind(stages.REMINDER, _remind,
                                              locks=stages.lock_names))
    deadlines.follow_pauses(stages._on_signatory_pause)
    sanctions.install()
