"""Staff pages: the secretariat's review (queue, one application, accept, reject, ask),
and the signatories (the persecuted mark; ending a suspension early, a held
withdrawal). A suspension or a revocation is not here: it comes only from a case of the
ethics panel (registry/cases), by a final decision or the chair and a second member."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from pydantic import Field

from registry.accessions import lifecycle, review
from registry.audit.services import Actor, staff_actor
from registry.refusals import Conflict, Invalid
from registry.staff.guards import current_staff
from registry.staff.permissions import Permission
from registry.validation import Form, placed
from registry.web import errors
from registry.web.i18n import gettext as _

REVIEW = {"permission": Permission.accessions_applications_review}
ID = Annotated[str, Parameter(max_length=40)]


VIEW = {"permission": Permission.accessions_signatories_view}
MARK = {"permission": Permission.accessions_signatories_mark}
DECIDE = {"permission": Permission.accessions_signatories_decide}
URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class RejectForm(Form):
    reason: str = Field(default="", max_length=4000)


class AskForm(Form):
    question: str = Field(default="", max_length=5000)


class PersecutedForm(Form):
    persecuted: str = Field(default="", max_length=3)


class DecisionForm(Form):
    decision: str = Field(default="", max_length=400)


def _actor(request: Request) -> Actor:
    staff = current_staff(request)
    assert staff is not None, "the guard lets only staff in"
    return staff_actor(staff.id)


async def _review_page(public_id: str, found: dict[str, str] | None = None,
                       values: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:
    """One application, with what is wrong with a decision sent (by the id of its
    control) and what was written in it."""
    return Template("staff/accessions/detail.html", status_code=status_code, context={
        "item": await review.find(public_id), "errors": found or {}, "values": values or {}})


class AccessionReviewPages(Controller):
    path = "/staff/accessions"
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", opt=REVIEW)
    async def queue(self) -> Template:
        return Template("staff/accessions/queue.html", context={"items": await review.queue()})

    @get("/{public_id:str}", opt=REVIEW)
    async def detail(self, public_id: ID) -> Template:
        return await _review_page(public_id)

    @post("/{public_id:str}/approve", opt=REVIEW)
    async def approve(self, public_id: ID, request: Request, state: State) -> Redirect:
        staff = current_staff(request)
        assert staff is not None
        await review.approve(public_id, actor=staff_actor(staff.id), settings=state.settings)
        return Redirect("/staff/accessions", status_code=303)

    @post("/{public_id:str}/reject", opt=REVIEW)
    async def reject(self, public_id: ID, request: Request, state: State, data: Annotated[
            RejectForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template | Redirect:
        staff = current_staff(request)
        assert staff is not None
        try:
            await review.reject(public_id, data.reason, actor=staff_actor(staff.id),
                                settings=state.settings)
        except Invalid as refusal:  # the reason is the one answer: its words are wrong
            return await _review_page(public_id, {"reject-reason": refusal.text(_)},
                                      {"reason": data.reason}, 400)
        return Redirect("/staff/accessions", status_code=303)

    @post("/{public_id:str}/ask", opt=REVIEW)
    async def ask(self, public_id: ID, request: Request, state: State,
                  data: Annotated[AskForm, URL_FORM]) -> Template | Redirect:
        try:
            await review.ask(public_id, data.question, actor=_actor(request),
                             settings=state.settings)
        except Invalid as refusal:
            asked = placed(refusal.form_problems(_), {"question": "ask-question"})
            return await _review_page(public_id, asked, {"question": data.question}, 400)
        return Redirect(f"/staff/accessions/{public_id}", status_code=303)


async def _signatory_page(request: Request, public_id: str,
                          found: dict[str, str] | None = None,
                          values: dict[str, str] | None = None,
                          status_code: int = 200) -> Template:
    """A signatory, with what is wrong with a decision sent (by the id of its control:
    each decision is a form of its own) and the reference written in it."""
    view = await lifecycle.staff_find(public_id)
    return Template("staff/signatories/detail.html", status_code=status_code, context={
        "view": view, "errors": found or {}, "values": values or {},
        "staff": current_staff(request)})


def _pages_around(page: lifecycle.StaffPage) -> list[int | None]:
    """The page numbers to link, GOV.UK style: the first, the last, and those next to
    this one, with None for a gap (shown as an ellipsis)."""
    wanted = sorted({1, page.pages, *range(page.number - 1, page.number + 2)} & set(
        range(1, page.pages + 1)))
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - (shown[-1] or 0) > 1:
            shown.append(None)
        shown.append(number)
    return shown


class SignatoryPages(Controller):
    path = "/staff/signatories"
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", opt=VIEW)
    async def index(self, page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1) -> Template:
        """A page of the signatories by name (50 a page), with links to the others."""
        found = await lifecycle.staff_list(page)
        return Template("staff/signatories/index.html", context={
            "page": found, "views": found.views, "around": _pages_around(found)})

    @get("/{public_id:str}", opt=VIEW)
    async def detail(self, public_id: ID, request: Request) -> Template:
        return await _signatory_page(request, public_id)

    async def _act(self, request: Request, public_id: str, work: Callable[[], Awaitable[Any]],
                   action: str = "", decision: str = "") -> Template | Redirect:
        """Do the work; a rule that says no shows the page again with why not, against
        the decision reference of the form sent (`action`) or for the whole form."""
        try:
            await work()
        except (Invalid, Conflict) as refusal:  # the page again, with why not
            controls = {"decision": f"{action}-decision"} if action else {}
            return await _signatory_page(
                request, public_id, placed(refusal.form_problems(_), controls),
                {action: decision} if action else {}, errors.status_of(refusal))
        return Redirect(f"/staff/signatories/{public_id}", status_code=303)

    @post("/{public_id:str}/persecuted", opt=MARK)
    async def persecuted(self, public_id: ID, request: Request, state: State,
                         data: Annotated[PersecutedForm, URL_FORM]) -> Template | Redirect:
        return await self._act(request, public_id, lambda: lifecycle.mark_persecuted(
            public_id, data.persecuted == "yes", actor=_actor(request),
            settings=state.settings))

    @post("/{public_id:str}/reinstate", opt=DECIDE)
    async def reinstate(self, public_id: ID, request: Request, state: State,
                        data: Annotated[DecisionForm, URL_FORM]) -> Template | Redirect:
        return await self._act(request, public_id, lambda: lifecycle.reinstate(
            public_id, decision=data.decision, actor=_actor(request), settings=state.settings),
            "reinstate", data.decision)

    @post("/{public_id:str}/complete-withdrawal", opt=DECIDE)
    async def complete_withdrawal(self, public_id: ID, request: Request, state: State,
                                  data: Annotated[DecisionForm, URL_FORM]) -> Template | Redirect:
        return await self._act(request, public_id, lambda: lifecycle.complete_withdrawal(
            public_id, decision=data.decision, actor=_actor(request), settings=state.settings),
            "complete-withdrawal", data.decision)
