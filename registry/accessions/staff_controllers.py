"""The secretariat's review pages: the queue, one application, accept or reject."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from registry.accessions import review
from registry.accessions.services import AccessionRefused
from registry.audit.services import staff_actor
from registry.staff.guards import current_staff
from registry.staff.permissions import Permission

REVIEW = {"permission": Permission.accessions_applications_review}
ID = Annotated[str, Parameter(max_length=40)]


class RejectForm(BaseModel):
    reason: str = Field(default="", max_length=4000)


def _refused(refusal: AccessionRefused) -> HTTPException:
    return HTTPException(status_code=refusal.status, detail=str(refusal))


class AccessionReviewPages(Controller):
    path = "/staff/accessions"
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", opt=REVIEW)
    async def queue(self) -> Template:
        return Template("staff/accessions/queue.html", context={"items": await review.queue()})

    @get("/{public_id:str}", opt=REVIEW)
    async def detail(self, public_id: ID) -> Template:
        try:
            item = await review.find(public_id)
        except AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return Template("staff/accessions/detail.html", context={"item": item, "error": None})

    @post("/{public_id:str}/approve", opt=REVIEW)
    async def approve(self, public_id: ID, request: Request, state: State) -> Redirect:
        staff = current_staff(request)
        assert staff is not None
        try:
            await review.approve(public_id, actor=staff_actor(staff.id), settings=state.settings)
        except AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return Redirect("/staff/accessions", status_code=303)

    @post("/{public_id:str}/reject", opt=REVIEW)
    async def reject(self, public_id: ID, request: Request, state: State, data: Annotated[
            RejectForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template | Redirect:
        staff = current_staff(request)
        assert staff is not None
        try:
            await review.reject(public_id, data.reason, actor=staff_actor(staff.id),
                                settings=state.settings)
        except AccessionRefused as refusal:
            if refusal.status != 400:
                raise _refused(refusal) from refusal
            return Template("staff/accessions/detail.html", status_code=400, context={
                "item": await review.find(public_id), "error": str(refusal)})
        return Redirect("/staff/accessions", status_code=303)
