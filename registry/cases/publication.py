"""The public side of the cases: what the public facts say of them, and nothing more.

Everything here is read from the public facts of the cases (registry/facts/kinds.py:
`case:inadmissible`, `case:decision_deferred`, `case:decision_published`), so nothing
that is not published can show through: not a deferred decision's outcome, not whom a
not-upheld case concerned. Only the statistics also count the case files (how many were
received, how many were found admissible), by year of filing.

A published decision is checked where it is shown: the SHA-256 of its canonical document
against the one stated, the registry's countersignature over it, and a hash published
earlier (a deferred decision) against the text published later. A check that fails is
reported in words, never raised.
"""

from __future__ import annotations

import base64
import hashlib
import json
import statistics as stats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from registry import keys
from registry.canonical import canonical_json
from registry.cases import stages
from registry.cases.tables import Case, CaseStep, Stage
from registry.facts import services as facts
from registry.facts.kinds import CASE_KINDS, DecisionDeferred, DecisionPublished
from registry.facts.tables import PublicFact
from registry.keys import signing
from registry.refusals import Invalid, NotFound
from registry.translation import N_

PAGE = 50
PRINCIPLES = range(1, 16)
INADMISSIBLE = "case:inadmissible"
DEFERRED = DecisionDeferred.kind
PUBLISHED = DecisionPublished.kind
ADMISSIBLE_STAGES = (Stage.answer.value, Stage.review.value)

# Words for the public (translated where shown); the codes' words are in
# registry/labels.py.
FACT_WORDS = {
    INADMISSIBLE: N_("found inadmissible"),
    DEFERRED: N_("decision taken; its SHA-256 published, its text deferred"),
    PUBLISHED: N_("decision published"),
}
# What became of a hash published before its text.
DEFERRAL_WORDS = {
    "pending": N_("Its text is not published yet."),
    "matches": N_("The text published later matches this hash."),
    "differs": N_("The text published later does NOT match this hash."),
}
NO_CASE = N_("There is no published case with this reference.")
BAD_CURSOR = N_("The page cursor is not valid: start again from the first page.")
HASH_DIFFERS = N_("The SHA-256 of the published text is not the one stated beside it.")
SIGNATURE_INVALID = N_("The countersignature does not verify with the registry's keys.")
SIGNATURE_ELSEWHERE = N_("The countersignature is valid, but over another text or hash.")


# --- What is shown ---------------------------------------------------------------------

@dataclass(frozen=True)
class Respondent:
    signatory: str  # the public id: /register/<id>
    name: str


@dataclass(frozen=True)
class Check:
    ok: bool
    problem: str | None = None  # words (N_) saying what does not hold


@dataclass(frozen=True)
class FactView:
    seq: int
    kind: str
    recorded_at: datetime
    entry: dict[str, Any]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _respondent(document: dict[str, Any]) -> Respondent | None:
    """Whom a decision names: never for a not-upheld case, whatever the text says."""
    named = document.get("respondent")
    if document.get("outcome") == "not_upheld" or not isinstance(named, dict):
        return None
    if not isinstance(named.get("signatory"), str) or not isinstance(named.get("name"), str):
        return None
    return Respondent(named["signatory"], named["name"])


@dataclass(frozen=True)
class Decision:
    """A published decision, its document as published, and the checks on it."""

    seq: int
    instance: str
    document: dict[str, Any]
    sha256: str
    countersignature: str
    published_at: datetime
    hash_check: Check  # the document's SHA-256 is the one stated
    signature_check: Check  # the registry signed this document and this hash
    replaced: bool = False  # a first decision replaced by the appeal decision

    @property
    def outcome(self) -> str:
        return str(self.document.get("outcome", ""))

    @property
    def upheld(self) -> bool:
        return self.outcome != "not_upheld"

    @property
    def principles_breached(self) -> list[int]:
        found = self.document.get("principles_breached") or []
        return sorted({n for n in found if isinstance(n, int) and n in PRINCIPLES})

    @property
    def public_summary(self) -> str:
        return str(self.document.get("public_summary") or "")

    @property
    def respondent(self) -> Respondent | None:
        return _respondent(self.document)

    @property
    def case_kind(self) -> str | None:
        kind = self.document.get("case_kind")
        return kind if isinstance(kind, str) else None

    @property
    def filed(self) -> date | None:
        return _day(self.document.get("filed"))

    @property
    def decided(self) -> date | None:
        return _day(self.document.get("decided"))

    @property
    def suspension_until(self) -> date | None:
        return _day(self.document.get("suspension_until"))

    @property
    def votes(self) -> dict[str, int] | None:
        votes = self.document.get("votes")
        return votes if isinstance(votes, dict) else None


@dataclass(frozen=True)
class Deferral:
    """A decision's SHA-256 published before its text, and what became of it."""

    seq: int
    instance: str
    sha256: str
    decided: date | None
    recorded_at: datetime
    status: str  # pending, matches, differs (DEFERRAL_WORDS)


@dataclass(frozen=True)
class Inadmissible:
    case_kind: str
    reason: str
    filed: date | None
    decided: date | None
    recorded_at: datetime


@dataclass(frozen=True)
class Summary:
    """One published case as the list shows it: the decision that stands (the appeal's,
    once published, else the first), or the finding of inadmissibility, or a decision
    deferred (its hash and date only)."""

    reference: str
    state: str  # published, deferred, inadmissible
    case_kind: str | None
    instance: str | None
    outcome: str  # an Outcome, or "inadmissible", or "deferred" (labels.OUTCOME)
    reason: str | None  # why inadmissible (labels.INADMISSIBLE_REASON)
    principles_breached: list[int]
    public_summary: str
    respondent: Respondent | None
    suspension_until: date | None
    filed: date | None
    decided: date | None
    published_at: datetime
    sha256: str | None
    countersignature: str | None
    replaced: bool  # the first decision was replaced on appeal
    deferred: Deferral | None  # a decision whose text is still to come
    last_seq: int


@dataclass(frozen=True)
class Record:
    """One case's whole public record."""

    reference: str
    facts: list[FactView]
    decisions: list[Decision]  # first, then appeal
    deferrals: list[Deferral]
    inadmissible: Inadmissible | None
    summary: Summary


@dataclass(frozen=True)
class Page:
    cases: list[Summary]
    next_cursor: str | None


# --- Checks ----------------------------------------------------------------------------

def document_hash(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _hash_check(document: Any, stated: Any) -> Check:
    try:
        ok = document_hash(document) == stated
    except (TypeError, ValueError):
        ok = False
    return Check(True) if ok else Check(False, HASH_DIFFERS)


def signature_check(document: Any, sha256: Any, token: Any) -> Check:
    """The countersignature is the registry's, over this document and this hash."""
    if not isinstance(token, str) or not token:
        return Check(False, SIGNATURE_INVALID)
    try:
        payload = signing.verify(keys.keyring().signing, token, typ=stages.DECISION_TYPE)
    except (signing.SignatureInvalid, ValueError, TypeError, KeyError):
        return Check(False, SIGNATURE_INVALID)
    if not isinstance(payload, dict) or payload.get("type") != "case-decision" or (
            payload.get("decision") != document or payload.get("sha256") != sha256):
        return Check(False, SIGNATURE_ELSEWHERE)
    return Check(True)


# --- Reading the facts -----------------------------------------------------------------

def _views(found: Iterable[facts.Recorded]) -> list[FactView]:
    views = []
    for fact in found:
        try:
            entry = json.loads(fact.entry)
        except ValueError:
            entry = {}
        views.append(FactView(fact.seq, fact.kind, fact.recorded_at,
                              entry if isinstance(entry, dict) else {}))
    return sorted(views, key=lambda view: view.seq)


def _decision(view: FactView) -> Decision:
    entry = view.entry
    document = entry.get("decision")
    document = document if isinstance(document, dict) else {}
    sha256, token = entry.get("sha256"), entry.get("countersignature")
    return Decision(seq=view.seq, instance=str(entry.get("instance", "")), document=document,
                    sha256=str(sha256 or ""), countersignature=str(token or ""),
                    published_at=view.recorded_at, hash_check=_hash_check(document, sha256),
                    signature_check=signature_check(document, sha256, token))


def _record(reference: str, views: list[FactView]) -> Record:
    """Every fact of one case, read into its decisions, deferrals and summary."""
    decisions = [_decision(view) for view in views if view.kind == PUBLISHED]
    # The decision of each instance that stands: the last published.
    standing = {decision.instance: decision for decision in decisions}
    appeal = standing.get("appeal")
    decisions = [replace(d, replaced=True) if appeal is not None and d.instance == "first"
                 else d for d in decisions]
    standing = {decision.instance: decision for decision in decisions}
    deferrals = []
    for view in views:
        if view.kind != DEFERRED:
            continue
        later = next((d for d in decisions if d.instance == view.entry.get("instance")
                      and d.seq > view.seq), None)
        status = ("pending" if later is None else "matches"
                  if document_hash(later.document) == view.entry.get("sha256") else "differs")
        deferrals.append(Deferral(
            seq=view.seq, instance=str(view.entry.get("instance", "")),
            sha256=str(view.entry.get("sha256", "")), decided=_day(view.entry.get("decided")),
            recorded_at=view.recorded_at, status=status))
    found_inadmissible = next((view for view in reversed(views) if view.kind == INADMISSIBLE),
                              None)
    inadmissible = None if found_inadmissible is None else Inadmissible(
        case_kind=str(found_inadmissible.entry.get("case_kind", "")),
        reason=str(found_inadmissible.entry.get("reason", "")),
        filed=_day(found_inadmissible.entry.get("filed")),
        decided=_day(found_inadmissible.entry.get("decided")),
        recorded_at=found_inadmissible.recorded_at)
    pending = next((d for d in reversed(deferrals) if d.status == "pending"), None)
    return Record(reference=reference, facts=views, decisions=decisions, deferrals=deferrals,
                  inadmissible=inadmissible,
                  summary=_summary(reference, views, standing, pending, inadmissible))


def _summary(reference: str, views: list[FactView], standing: dict[str, Decision],
             pending: Deferral | None, inadmissible: Inadmissible | None) -> Summary:
    last_seq = views[-1].seq
    shown = standing.get("appeal") or standing.get("first")
    if shown is not None:
        return Summary(
            reference=reference, state="published", case_kind=shown.case_kind,
            instance=shown.instance, outcome=shown.outcome, reason=None,
            principles_breached=shown.principles_breached,
            public_summary=shown.public_summary, respondent=shown.respondent,
            suspension_until=shown.suspension_until, filed=shown.filed,
            decided=shown.decided, published_at=shown.published_at, sha256=shown.sha256,
            countersignature=shown.countersignature, replaced="appeal" in standing
            and "first" in standing, deferred=pending, last_seq=last_seq)
    if pending is not None:
        return Summary(
            reference=reference, state="deferred", case_kind=None, instance=pending.instance,
            outcome="deferred", reason=None, principles_breached=[], public_summary="",
            respondent=None, suspension_until=None, filed=None, decided=pending.decided,
            published_at=pending.recorded_at, sha256=pending.sha256, countersignature=None,
            replaced=False, deferred=pending, last_seq=last_seq)
    if inadmissible is not None:
        return Summary(
            reference=reference, state="inadmissible", case_kind=inadmissible.case_kind,
            instance=None, outcome="inadmissible", reason=inadmissible.reason,
            principles_breached=[], public_summary="", respondent=None,
            suspension_until=None, filed=inadmissible.filed, decided=inadmissible.decided,
            published_at=inadmissible.recorded_at, sha256=None, countersignature=None,
            replaced=False, deferred=None, last_seq=last_seq)
    raise LookupError(f"case {reference} has no public outcome among these facts")


async def _facts_of(subjects: list[str], kinds: Iterable[str] = CASE_KINDS
                    ) -> dict[str, list[FactView]]:
    """The case facts of these subjects, grouped by subject, each in order (one query)."""
    if not subjects:
        return {}
    rows = await PublicFact.select().where(
        PublicFact.subject.is_in(subjects) & PublicFact.kind.is_in(sorted(kinds))
    ).order_by(PublicFact.seq)
    grouped: dict[str, list[facts.Recorded]] = defaultdict(list)
    for row in rows:
        grouped[row["subject"]].append(facts.Recorded(
            row["seq"], row["kind"], row["subject"], row["entry"], row["recorded_at"]))
    return {subject: _views(found) for subject, found in grouped.items()}


def _reference(subject: str) -> str:
    return subject.split(":", 1)[1]


# --- The list of published cases -------------------------------------------------------

class BadCursor(Invalid):
    """A page cursor that this list did not give out."""


def _cursor(last_seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_seq]).encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        [last_seq] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as error:
        raise BadCursor(BAD_CURSOR) from error
    if not isinstance(last_seq, int) or isinstance(last_seq, bool) or not 0 <= last_seq < 2**62:
        raise BadCursor(BAD_CURSOR)
    return last_seq


async def published(*, cursor: str | None = None, limit: int = PAGE) -> Page:
    """Every case with a public outcome, newest first (by its latest public fact),
    `limit` at a time; pass `next_cursor` back for the next page."""
    before = _after(cursor) if cursor else None
    kinds = sorted(CASE_KINDS)
    marks = ", ".join("{}" for _ in kinds)
    having = " HAVING MAX(seq) < {}" if before is not None else ""
    rows = await PublicFact.raw(
        f"SELECT subject, MAX(seq) AS last_seq FROM public_fact WHERE kind IN ({marks}) "  # noqa: S608 - placeholders only
        f"GROUP BY subject{having} ORDER BY last_seq DESC LIMIT {{}}",
        *kinds, *([before] if before is not None else []), limit + 1)
    more = len(rows) > limit
    subjects = [row["subject"] for row in rows[:limit]]
    found = await _facts_of(subjects)
    cases = [_record(_reference(subject), found[subject]).summary for subject in subjects
             if subject in found]
    return Page(cases, _cursor(cases[-1].last_seq) if more and cases else None)


async def find(reference: str) -> Record:
    """One case's public record: every public fact about it, in order, its decisions
    with their checks, and what became of any hash published before its text."""
    reference = reference.strip().upper()[:40]
    subject = stages.subject_of(reference)
    views = _views(await facts.of_subject(subject, CASE_KINDS))
    if not views:
        raise NotFound(NO_CASE)
    return _record(reference, views)


async def in_register(public_ids: set[str]) -> set[str]:
    """Which of these signatories the public register shows now: a decision names its
    respondent as it was then; its page may since have left the register."""
    from registry.accessions.register import PUBLIC_STATUSES
    from registry.accessions.tables import Signatory

    if not public_ids:
        return set()
    rows = await Signatory.select(Signatory.public_id).where(
        Signatory.public_id.is_in(sorted(public_ids)) & Signatory.register_name.is_not_null()
        & Signatory.status.is_in(list(PUBLIC_STATUSES)))
    return {row["public_id"] for row in rows}


async def for_respondent(public_id: str) -> list[Summary]:
    """The published decisions that name this signatory, newest first: per case, the
    decision that stands (the appeal decision replaces the first)."""
    # A first cut in the database (canonical JSON writes the id exactly so); then each
    # decision is read, and only one that names this signatory in its field counts.
    named = json.dumps({"signatory": public_id[:40]}, ensure_ascii=False,
                       separators=(",", ":"))[1:-1]
    rows = await PublicFact.select(PublicFact.subject).where(
        (PublicFact.kind == PUBLISHED) & PublicFact.entry.like(f"%{named}%"))
    subjects = sorted({row["subject"] for row in rows})
    found = await _facts_of(subjects)
    shown = [_record(_reference(subject), views).summary for subject, views in found.items()]
    named_here = [summary for summary in shown if summary.state == "published"
                  and summary.respondent is not None
                  and summary.respondent.signatory == public_id]
    return sorted(named_here, key=lambda summary: summary.last_seq, reverse=True)


# --- Statistics ------------------------------------------------------------------------

@dataclass
class Year:
    """The figures of the cases filed in one year. Outcomes come from published decisions
    only (the decision that stands in each case); a deferred decision counts nowhere."""

    year: int
    received: int = 0
    admissible: int = 0
    inadmissible: int = 0
    decided: int = 0  # published decisions
    upheld: int = 0
    by_principle: dict[int, int] = field(default_factory=lambda: dict.fromkeys(PRINCIPLES, 0))
    median_days: float | None = None  # from filing to decision

    @property
    def breached(self) -> list[tuple[int, int]]:
        """(principle, how many decisions found it breached), where any did."""
        return [(n, count) for n, count in self.by_principle.items() if count]


async def statistics() -> list[Year]:
    """Per year of filing, newest first."""
    years: dict[int, Year] = {}

    def year(number: int) -> Year:
        return years.setdefault(number, Year(number))

    for row in await Case.select(Case.filed_at):
        year(row["filed_at"].year).received += 1
    admitted = await CaseStep.select(CaseStep.case_file, CaseStep.case_file.filed_at).where(
        CaseStep.stage.is_in(list(ADMISSIBLE_STAGES)))
    seen: set[int] = set()
    for row in admitted:
        if row["case_file"] not in seen:
            seen.add(row["case_file"])
            year(row["case_file.filed_at"].year).admissible += 1
    rows = await PublicFact.select(PublicFact.subject).where(
        PublicFact.kind.is_in([PUBLISHED, INADMISSIBLE]))
    found = await _facts_of(sorted({row["subject"] for row in rows}), [PUBLISHED, INADMISSIBLE])
    days: dict[int, list[int]] = defaultdict(list)
    for subject, views in found.items():
        summary = _record(_reference(subject), views).summary
        if summary.filed is None:
            continue
        figures = year(summary.filed.year)
        if summary.state == "inadmissible":
            figures.inadmissible += 1
            continue
        figures.decided += 1
        if summary.outcome != "not_upheld":
            figures.upheld += 1
        for number in summary.principles_breached:
            figures.by_principle[number] += 1
        if summary.decided is not None:
            days[figures.year].append((summary.decided - summary.filed).days)
    for number, spans in days.items():
        years[number].median_days = stats.median(spans)
    return sorted(years.values(), key=lambda figures: figures.year, reverse=True)
