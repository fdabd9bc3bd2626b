"""HTTP for the published outcomes of cases: the pages and the API. No rules here
(registry/cases/publication.py has them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter, QueryParameter
from litestar.response import Template
from pydantic import BaseModel, Field

from registry.cases import publication
from registry.principles import services as principles
from registry.web import errors
from registry.web.i18n import gettext as _

# Published facts change rarely and never in place: a minute in the reader's own cache
# (the pages set a CSRF cookie, so no shared cache), a minute anywhere for the API.
PAGE_CACHE = CacheControlHeader(max_age=60, private=True)
API_CACHE = CacheControlHeader(max_age=60, public=True)
Reference = Annotated[str, Parameter(max_length=40)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]
WORDS = {"fact_words": publication.FACT_WORDS,
         "deferral_words": publication.DEFERRAL_WORDS}


async def _principles_version() -> str | None:
    """The version whose permalinks the principles link to: the one in force."""
    in_force = await principles.version_in_force()
    return in_force.version_id if in_force else None


class PublishedCasePages(Controller):
    path = "/cases"
    include_in_schema = False
    cache_control = PAGE_CACHE

    @get("/")
    async def index(self, cursor: Cursor = None) -> Template:
        page = await publication.published(cursor=cursor or None)
        named = {c.respondent.signatory for c in page.cases if c.respondent}
        return Template("cases/published_index.html", context={
            **WORDS, "page": page, "years": await publication.statistics(),
            "version": await _principles_version(),
            "listed": await publication.in_register(named)})

    @get("/{reference:str}")
    async def case(self, reference: Reference) -> Template:
        record = await publication.find(reference)
        named = {d.respondent.signatory for d in record.decisions if d.respondent}
        return Template("cases/published.html", context={
            **WORDS, "record": record, "version": await _principles_version(),
            "listed": await publication.in_register(named)})


# --- The API ---------------------------------------------------------------------------

class RespondentOut(BaseModel):
    signatory: str = Field(description="The public id in the register.")
    name: str
    url: str


class DeferredOut(BaseModel):
    instance: str
    sha256: str = Field(description="The SHA-256 of the decision's canonical document, "
                                    "published before its text.")
    decided: date | None
    recorded_at: datetime
    status: Literal["pending", "matches", "differs"] = Field(
        description="pending: the text is not published yet; matches / differs: the text "
                    "published later has this SHA-256, or not.")


class CaseSummaryOut(BaseModel):
    reference: str
    url: str
    state: Literal["published", "deferred", "inadmissible"]
    case_kind: str | None
    instance: str | None = Field(description="The decision shown: the appeal's once "
                                             "published, else the first.")
    outcome: str = Field(description="An outcome, or `inadmissible`, or `deferred`.")
    reason: str | None = Field(description="Why the case was inadmissible.")
    principles_breached: list[int]
    public_summary: str
    respondent: RespondentOut | None = Field(
        description="Only where the decision names the signatory (never when not upheld).")
    suspension_until: date | None
    filed: date | None
    decided: date | None
    published_at: datetime
    sha256: str | None
    countersignature: str | None = Field(
        description="Compact JWS (ES256, typ case-decision+jwt) by the keys at "
                    "/.well-known/jwks.json.")
    replaced_on_appeal: bool
    deferred: DeferredOut | None = Field(description="A decision whose text is still to come.")


class CasePageOut(BaseModel):
    cases: list[CaseSummaryOut]
    next: str | None = Field(description="Pass back as `cursor` for the next page.")


class CheckOut(BaseModel):
    ok: bool
    problem: str | None


class DecisionOut(BaseModel):
    instance: str
    published_at: datetime
    document: dict[str, Any] = Field(description="The decision as published: its canonical "
                                                 "JSON has the SHA-256 below.")
    sha256: str
    countersignature: str
    replaced_on_appeal: bool
    sha256_check: CheckOut
    countersignature_check: CheckOut


class InadmissibleOut(BaseModel):
    case_kind: str
    reason: str
    filed: date | None
    decided: date | None
    recorded_at: datetime


class FactOut(BaseModel):
    seq: int
    kind: str
    recorded_at: datetime
    entry: dict[str, Any]


class CaseRecordOut(BaseModel):
    reference: str
    summary: CaseSummaryOut
    decisions: list[DecisionOut]
    deferred: list[DeferredOut]
    inadmissible: InadmissibleOut | None
    facts: list[FactOut] = Field(description="Every public fact about the case, in order.")


class YearOut(BaseModel):
    year: int = Field(description="The year of filing.")
    received: int
    admissible: int
    inadmissible: int
    decided: int = Field(description="Published decisions (the one that stands per case).")
    upheld: int
    by_principle: dict[int, int] = Field(
        description="For each principle, how many decisions found it breached.")
    median_days: float | None = Field(description="Median days from filing to decision.")


def _deferred_out(deferral: publication.Deferral) -> DeferredOut:
    return DeferredOut(instance=deferral.instance, sha256=deferral.sha256,
                       decided=deferral.decided, recorded_at=deferral.recorded_at,
                       status=deferral.status)  # type: ignore[arg-type]


def _summary_out(summary: publication.Summary) -> CaseSummaryOut:
    respondent = summary.respondent
    return CaseSummaryOut(
        reference=summary.reference, url=f"/cases/{summary.reference}",
        state=summary.state,  # type: ignore[arg-type]
        case_kind=summary.case_kind, instance=summary.instance, outcome=summary.outcome,
        reason=summary.reason, principles_breached=summary.principles_breached,
        public_summary=summary.public_summary,
        respondent=RespondentOut(signatory=respondent.signatory, name=respondent.name,
                                 url=f"/register/{respondent.signatory}")
        if respondent else None,
        suspension_until=summary.suspension_until, filed=summary.filed,
        decided=summary.decided, published_at=summary.published_at, sha256=summary.sha256,
        countersignature=summary.countersignature, replaced_on_appeal=summary.replaced,
        deferred=_deferred_out(summary.deferred) if summary.deferred else None)


def _check_out(check: publication.Check) -> CheckOut:
    return CheckOut(ok=check.ok, problem=_(check.problem) if check.problem else None)


def _record_out(record: publication.Record) -> CaseRecordOut:
    inadmissible = record.inadmissible
    return CaseRecordOut(
        reference=record.reference, summary=_summary_out(record.summary),
        decisions=[DecisionOut(
            instance=d.instance, published_at=d.published_at, document=d.document,
            sha256=d.sha256, countersignature=d.countersignature,
            replaced_on_appeal=d.replaced, sha256_check=_check_out(d.hash_check),
            countersignature_check=_check_out(d.signature_check)) for d in record.decisions],
        deferred=[_deferred_out(d) for d in record.deferrals],
        inadmissible=InadmissibleOut(**inadmissible.__dict__) if inadmissible else None,
        facts=[FactOut(seq=f.seq, kind=f.kind, recorded_at=f.recorded_at, entry=f.entry)
               for f in record.facts])


class PublishedCaseApi(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]  # noqa: RUF012 - Litestar reads this class attribute as it is
    cache_control = API_CACHE

    @get("/", responses=errors.answers())
    async def published(self, cursor: Cursor = None) -> CasePageOut:
        """Cases with a public outcome, newest first; pass `next` back as `cursor`."""
        page = await publication.published(cursor=cursor or None)
        return CasePageOut(cases=[_summary_out(s) for s in page.cases], next=page.next_cursor)

    @get("/statistics", responses=errors.answers())
    async def statistics(self) -> list[YearOut]:
        """Figures per year of filing; outcomes from published decisions only."""
        return [YearOut(**{**year.__dict__}) for year in await publication.statistics()]

    @get("/{reference:str}", responses=errors.answers(404))
    async def case(self, reference: Reference) -> CaseRecordOut:
        """One case's public record: its facts, its decisions with their checks, and what
        became of a hash published before its text."""
        return _record_out(await publication.find(reference))
