"""HTTP for the public register: the pages and the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter, QueryParameter
from litestar.response import Template
from pydantic import BaseModel

from registry.accessions import register
from registry.accessions.schemas import Kind
from registry.badges import services as badges
from registry.cases import publication
from registry.web import errors
from registry.web.i18n import current
from registry.web.i18n import gettext as _

Text = Annotated[str, QueryParameter(name="q", max_length=200)]
Filter = Annotated[str | None, QueryParameter(max_length=40)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]


class EventOut(BaseModel):
    event: str
    status: str
    version: str
    at: datetime


class CaseDecisionOut(BaseModel):
    reference: str
    outcome: str
    decided: date | None
    url: str


class SignatoryOut(BaseModel):
    id: str
    name: str
    listing: str
    status: str
    version: str
    acceded_at: datetime
    kind: str | None = None
    legal_name: str | None = None
    country: str | None = None
    city: str | None = None
    website: str | None = None
    declarations: dict[str, Any] | None = None
    withdrawal_pending: bool = False
    suspended_until: date | None = None
    history: list[EventOut] | None = None
    url: str
    # The published decisions that name it (only for one signatory, not in a search).
    decisions: list[CaseDecisionOut] | None = None


class SignatoryPage(BaseModel):
    signatories: list[SignatoryOut]
    next: str | None


def _out(entry: register.Entry) -> SignatoryOut:
    values = {**entry.__dict__, "history": [EventOut(**e.__dict__) for e in entry.history]
              if entry.history is not None else None}
    return SignatoryOut(**values, url=f"/register/{entry.id}")


async def _search(q: str, kind: str | None, status: str | None, country: str | None,
                  version: str | None, cursor: str | None) -> register.Page:
    return await register.search(text=q, kind=kind or None, status=status or None,
                                 country=country or None, version=version or None,
                                 cursor=cursor or None)


def _not_found() -> NotFoundException:
    return NotFoundException(_("There is no signatory at this address in the register."))


class RegisterPages(Controller):
    path = "/register"
    include_in_schema = False

    @get("/")
    async def index(self, q: Text = "", kind: Filter = None, status: Filter = None,
                    country: Filter = None, version: Filter = None,
                    cursor: Cursor = None) -> Template:
        page = await _search(q, kind, status, country, version, cursor)
        return Template("register/index.html", context={
            "page": page, "q": q, "filters": {"kind": kind or "", "status": status or "",
                                              "country": country or "",
                                              "version": version or ""},
            "kinds": list(Kind), "statuses": register.PUBLIC_STATUSES})

    @get("/{signatory_id:str}")
    async def signatory(self, signatory_id: Annotated[str, Parameter(max_length=200)],
                        state: State) -> Template:
        entry = await register.find(signatory_id)
        if entry is None:
            raise _not_found()
        badge_id = await badges.badge_of_signatory(entry.id)
        # The badge in the page's language, and the HTML to embed it in that language too.
        return Template("register/signatory.html", context={
            "entry": entry, "decisions": await publication.for_respondent(entry.id),
            "badge_id": badge_id,
            "badge_image": badges.image_path(badge_id, "svg", current()) if badge_id else None,
            "embed": badges.embed_html(state.settings, badge_id, entry.name, current())
            if badge_id else None})


class SignatoryApi(Controller):
    path = "/api/v1/signatories"
    tags = ["register"]  # noqa: RUF012 - Litestar reads this class attribute as it is

    @get("/", responses=errors.answers())
    async def search(self, q: Text = "", kind: Filter = None, status: Filter = None,
                     country: Filter = None, version: Filter = None,
                     cursor: Cursor = None) -> SignatoryPage:
        """Listed signatories, alphabetically; pass `next` back as `cursor` for more."""
        page = await _search(q, kind, status, country, version, cursor)
        return SignatoryPage(signatories=[_out(e) for e in page.entries], next=page.next_cursor)

    @get("/{signatory_id:str}", responses=errors.answers(404))
    async def signatory(self, signatory_id: Annotated[str, Parameter(max_length=200)]
                        ) -> SignatoryOut:
        """One listed signatory, with what its listing shows and the published decisions
        that name it."""
        entry = await register.find(signatory_id)
        if entry is None:
            raise _not_found()
        decisions = [CaseDecisionOut(reference=d.reference, outcome=d.outcome,
                                     decided=d.decided, url=f"/cases/{d.reference}")
                     for d in await publication.for_respondent(entry.id)]
        return _out(entry).model_copy(update={"decisions": decisions})
