"""Staff pages of the procedure: the dashboard, a case's overview, its file (members who
sit on it and confirmed only), the panel's actions, and one's declared interests.

Thin: parse, call one service function, render. Every route declares its permission;
whether a member sits on the case is the rules' business (a refusal, audited).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from pydantic import Field

from registry.audit.services import Actor, staff_actor
from registry.cases import case_file, decisions, panel, stages
from registry.cases.tables import InadmissibleReason, Outcome
from registry.refusals import Conflict, Invalid
from registry.staff.guards import current_staff
from registry.staff.login import StaffPrincipal
from registry.staff.permissions import Permission
from registry.validation import Form, placed
from registry.web import errors
from registry.web.i18n import gettext as _

NO_STORE = CacheControlHeader(no_store=True)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
REF = Annotated[str, Parameter(max_length=20)]
VIEW = {"permission": Permission.cases_cases_view}
SIT = {"permission": Permission.cases_panel_sit}
WORDS = {"due_words": stages.DUE_WORDS, "outcomes": [o.value for o in Outcome],
         "reasons": [r.value for r in InadmissibleReason]}


def _me(request: Request) -> StaffPrincipal:
    staff = current_staff(request)
    assert staff is not None, "the guard lets only staff in"
    return staff


def _actor(request: Request) -> Actor:
    return staff_actor(_me(request).id)


class AssignForm(Form):
    staff: int = Field(ge=1, le=2**31 - 1)


class ReasonForm(Form):
    reason: str = Field(default="", max_length=4000)


class AdmissibilityForm(Form):
    admissible: str = Field(default="", max_length=3)
    reason: str = Field(default="", max_length=40)


class MessageForm(Form):
    audience: str = Field(default="", max_length=20)
    text: str = Field(default="", max_length=20000)


class NoteForm(Form):
    note: str = Field(default="", max_length=20000)


class MarkForm(Form):
    persecuted: str = Field(default="", max_length=3)


class VoteForm(Form):
    in_favour: str = Field(default="", max_length=3)
    dissent: str = Field(default="", max_length=20000)


class PublishForm(Form):
    defer: str = Field(default="", max_length=3)


class InterimForm(Form):
    until: str = Field(default="", max_length=40)  # a day, read below: kept when it is not
    reason: str = Field(default="", max_length=5000)

    def day(self) -> date | None:
        try:
            return date.fromisoformat(self.until.strip())
        except ValueError:
            return None


class InterestForm(Form):
    kind: str = Field(default="", max_length=20)
    value: str = Field(default="", max_length=300)
    relation: str = Field(default="", max_length=300)


async def _case_page(request: Request, reference: str, *,
                     found: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    me = _me(request)
    view = await case_file.overview(
        reference, me.id, may_assign=Permission.cases_panel_assign in me.permissions)
    return Template("staff/cases/case.html", status_code=status_code, context={
        **WORDS, "view": view, "staff": me, "errors": found or {}, "values": values or {},
        "why": lambda reason: panel.why(reason).text(_)})


async def _file_page(request: Request, reference: str, *, found: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    me = _me(request)
    opened = await case_file.open_file(reference, me.id, actor=_actor(request))
    return Template("staff/cases/file.html", status_code=status_code, context={
        **WORDS, "file": opened, "staff": me, "errors": found or {}, "values": values or {},
        "instance": opened.case.instance.value, "audiences": decisions.AUDIENCES})


async def _then(request: Request, reference: str, work: Callable[[], Awaitable[Any]], *,
                back_to_file: bool = False, values: dict[str, Any] | None = None,
                fields: dict[str, str] | None = None) -> Template | Redirect:
    """Do the work; a rule that says no shows the page again with its words, against
    the field it names (`fields`: the rules' name of each field, and its control's id),
    and with what was written."""
    try:
        await work()
    except (Invalid, Conflict) as refusal:
        status, found = errors.status_of(refusal), placed(refusal.form_problems(_), fields or {})
        if back_to_file:
            return await _file_page(request, reference, found=found, values=values,
                                    status_code=status)
        return await _case_page(request, reference, found=found, values=values,
                                status_code=status)
    return Redirect(f"/staff/cases/{reference}{'/file' if back_to_file else ''}",
                    status_code=303)


class CaseStaffPages(Controller):
    path = "/staff/cases"
    include_in_schema = False
    cache_control = NO_STORE

    @get("/", opt=VIEW)
    async def dashboard(self) -> Template:
        return Template("staff/cases/index.html",
                        context={**WORDS, "rows": await case_file.dashboard()})

    @get("/{reference:str}", opt=VIEW)
    async def case(self, request: Request, reference: REF) -> Template:
        return await _case_page(request, reference)

    @get("/{reference:str}/file", opt=SIT)
    async def file(self, request: Request, reference: REF) -> Template:
        return await _file_page(request, reference)

    @get("/{reference:str}/attachments/{attachment_id:int}", opt=SIT)
    async def attachment(self, request: Request, reference: REF,
                         attachment_id: Annotated[int, Parameter(ge=1, le=2**31 - 1)]) -> Response:
        found = await case_file.attachment(reference, attachment_id, _me(request).id,
                                           actor=_actor(request))
        # Downloaded, never shown inline; and if a browser showed it anyway, it could run
        # nothing and reach nothing.
        return Response(found.content, media_type=found.media_type, headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    @post("/{reference:str}/acknowledge",
          opt={"permission": Permission.cases_cases_acknowledge})
    async def acknowledge(self, request: Request, state: State,
                          reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.acknowledge(
            reference, actor=_actor(request), settings=state.settings))

    @post("/{reference:str}/assign", opt={"permission": Permission.cases_panel_assign})
    async def assign(self, request: Request, state: State, reference: REF,
                     data: Annotated[AssignForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: panel.assign(
            reference, data.staff, actor=_actor(request), settings=state.settings))

    @post("/{reference:str}/confirm", opt=SIT)
    async def confirm(self, request: Request, reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: panel.confirm(
            reference, _me(request).id, actor=_actor(request)))

    @post("/{reference:str}/recuse", opt=SIT)
    async def recuse(self, request: Request, state: State, reference: REF,
                     data: Annotated[ReasonForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: panel.recuse(
            reference, _me(request).id, data.reason, actor=_actor(request),
            settings=state.settings), values={"recusal": data.reason},
            fields={"reason": "recusal-reason"})

    @post("/{reference:str}/admissibility", opt=SIT)
    async def admissibility(self, request: Request, state: State, reference: REF,
                            data: Annotated[AdmissibilityForm, FORM]) -> Template | Redirect:
        values = {"admissibility": data.model_dump()}
        if data.admissible not in ("yes", "no"):
            return await _file_page(request, reference, status_code=400, values=values,
                                    found={"admissible": _(
                                        "Choose whether the case is admissible.")})
        return await _then(request, reference, lambda: decisions.decide_admissibility(
            reference, _me(request).id, admissible=data.admissible == "yes",
            reason=data.reason or None, actor=_actor(request), settings=state.settings),
            back_to_file=True, values=values, fields={"reason": "admissibility-reason"})

    @post("/{reference:str}/messages", opt=SIT)
    async def message(self, request: Request, state: State, reference: REF,
                      data: Annotated[MessageForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.panel_writes(
            reference, _me(request).id, data.audience, data.text, actor=_actor(request),
            settings=state.settings), back_to_file=True,
            values={"message": data.text, "audience": data.audience},
            fields={"text": "message-text", "audience": "message-audience"})

    @post("/{reference:str}/notes", opt=SIT)
    async def note(self, request: Request, reference: REF,
                   data: Annotated[NoteForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.add_note(
            reference, _me(request).id, data.note, actor=_actor(request)),
            back_to_file=True, values={"note": data.note}, fields={"note": "note"})

    @post("/{reference:str}/filer-persecuted", opt=SIT)
    async def filer_persecuted(self, request: Request, reference: REF,
                               data: Annotated[MarkForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.mark_filer_persecuted(
            reference, _me(request).id, data.persecuted == "yes", actor=_actor(request)),
            back_to_file=True)

    @post("/{reference:str}/draft", opt=SIT)
    async def draft(self, request: Request, reference: REF,
                    data: Annotated[dict[str, Any], FORM]) -> Template | Redirect:
        values = _draft_values(data)
        return await _then(request, reference, lambda: decisions.save_draft(
            reference, _me(request).id, values, actor=_actor(request)),
            back_to_file=True, values={"draft": values}, fields=DRAFT_FIELDS)

    @post("/{reference:str}/share", opt=SIT)
    async def share(self, request: Request, state: State, reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.share_draft(
            reference, _me(request).id, actor=_actor(request), settings=state.settings),
            back_to_file=True, fields=DRAFT_FIELDS)

    @post("/{reference:str}/vote", opt=SIT)
    async def vote(self, request: Request, state: State, reference: REF,
                   data: Annotated[VoteForm, FORM]) -> Template | Redirect:
        values = {"vote": data.model_dump()}
        if data.in_favour not in ("yes", "no"):
            return await _file_page(request, reference, status_code=400, values=values,
                                    found={"vote-in_favour": _("Choose how you vote.")})
        return await _then(request, reference, lambda: decisions.vote(
            reference, _me(request).id, in_favour=data.in_favour == "yes",
            dissent=data.dissent, actor=_actor(request), settings=state.settings),
            back_to_file=True, values=values, fields={"dissent": "dissent"})

    @post("/{reference:str}/publish", opt={"permission": Permission.cases_decisions_publish})
    async def publish(self, request: Request, state: State, reference: REF,
                      data: Annotated[PublishForm, FORM]) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.publish(
            reference, defer=data.defer == "yes", actor=_actor(request),
            settings=state.settings))

    @post("/{reference:str}/publish-deferred",
          opt={"permission": Permission.cases_decisions_publish})
    async def publish_deferred(self, request: Request, reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.publish_deferred(
            reference, actor=_actor(request)))

    @post("/{reference:str}/interim", opt={"permission": Permission.cases_interim_propose})
    async def propose_interim(self, request: Request, state: State, reference: REF,
                              data: Annotated[InterimForm, FORM]) -> Template | Redirect:
        values = {"interim": data.model_dump()}
        until = data.day()
        if until is None:
            return await _file_page(request, reference, status_code=400, values=values,
                                    found={"interim-until": _(
                                        "Give the day the interim suspension ends.")})
        return await _then(request, reference, lambda: decisions.propose_interim(
            reference, _me(request).id, until=until, reason=data.reason,
            actor=_actor(request), settings=state.settings), back_to_file=True,
            values=values, fields={"until": "interim-until", "reason": "interim-reason"})

    @post("/{reference:str}/interim/confirm", opt=SIT)
    async def confirm_interim(self, request: Request, state: State,
                              reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.confirm_interim(
            reference, _me(request).id, actor=_actor(request), settings=state.settings),
            back_to_file=True)

    @post("/{reference:str}/interim/withdraw",
          opt={"permission": Permission.cases_interim_propose})
    async def withdraw_interim(self, request: Request, reference: REF) -> Template | Redirect:
        return await _then(request, reference, lambda: decisions.withdraw_interim(
            reference, _me(request).id, actor=_actor(request)), back_to_file=True)


# The draft's fields, as the rules name them, and the ids of their controls.
DRAFT_FIELDS = {"outcome": "draft-outcome", "principles_breached": "draft-principles",
                "suspension_until": "draft-until", "reasoning": "draft-reasoning",
                "public_summary": "draft-summary"}
INTEREST_FIELDS = {"kind": "interest-kind", "value": "interest-value",
                   "relation": "interest-relation"}


def _draft_values(data: dict[str, Any]) -> dict[str, Any]:
    """The draft form's fields as the rules take them."""
    breached = data.get("principles_breached", [])
    breached = breached if isinstance(breached, list) else [breached]
    until = str(data.get("suspension_until") or "")[:10]
    try:
        until_date: date | str | None = date.fromisoformat(until) if until else None
    except ValueError:
        until_date = until  # refused by the rules, in words
    return {"outcome": str(data.get("outcome", ""))[:40],
            "principles_breached": [int(n) for n in breached
                                    if isinstance(n, str) and n.isascii() and n.isdigit()
                                    and len(n) <= 2],
            "reasoning": str(data.get("reasoning", "")),
            "public_summary": str(data.get("public_summary", "")),
            "suspension_until": until_date,
            "names_respondent": data.get("names_respondent") == "on"}


class InterestPages(Controller):
    path = "/staff/interests"
    include_in_schema = False
    cache_control = NO_STORE
    opt = {"permission": Permission.cases_interests_declare}  # noqa: RUF012 - Litestar's

    async def _page(self, request: Request, *, found: dict[str, str] | None = None,
                    values: dict[str, str] | None = None, status_code: int = 200) -> Template:
        return Template("staff/cases/interests.html", status_code=status_code, context={
            **WORDS, "interests": await panel.interests_of(_me(request).id),
            "errors": found or {}, "values": values or {}})

    @get("/")
    async def index(self, request: Request) -> Template:
        return await self._page(request)

    @post("/")
    async def declare(self, request: Request,
                      data: Annotated[InterestForm, FORM]) -> Template | Redirect:
        try:
            await panel.declare_interest(_me(request).id, data.kind, data.value,
                                         data.relation, actor=_actor(request))
        except Invalid as refusal:
            return await self._page(request, status_code=400, values=data.model_dump(),
                                    found=placed(refusal.form_problems(_), INTEREST_FIELDS))
        return Redirect("/staff/interests", status_code=303)

    @post("/{interest_id:int}/withdraw")
    async def withdraw(self, request: Request,
                       interest_id: Annotated[int, Parameter(ge=1, le=2**31 - 1)]) -> Redirect:
        await panel.withdraw_interest(_me(request).id, interest_id, actor=_actor(request))
        return Redirect("/staff/interests", status_code=303)
