"""HTTP for one's calendar feed: the page that makes and revokes its secret address, and
the feed itself, which a calendar program fetches without logging in. No rules here
(registry/cases/calendar.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.params import Parameter
from litestar.response import Redirect, Template

from registry.audit.services import staff_actor
from registry.cases import calendar
from registry.refusals import NotFound
from registry.staff.guards import current_staff
from registry.staff.login import StaffPrincipal
from registry.staff.permissions import Permission

MANAGE = {"permission": Permission.cases_calendar_manage}
# A calendar program cannot log in: the address is the credential. No CSRF cookie either,
# as for the badges: nothing to protect on a GET that changes nothing.
FEED = {"public": True, "exclude_from_csrf": True}
# Litestar adds "; charset=utf-8" to every text/ type.
MEDIA_TYPE = "text/calendar"
SUFFIX = ".ics"


def _me(request: Request) -> StaffPrincipal:
    staff = current_staff(request)
    assert staff is not None, "the guard lets only staff in"
    return staff


async def _page(request: Request, *, address: str | None = None) -> Template:
    status = await calendar.feed_status(_me(request).id)
    return Template("staff/cases/calendar.html", context={"status": status,
                                                          "address": address})


class CalendarPages(Controller):
    path = "/staff/calendar"
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/", opt=MANAGE)
    async def index(self, request: Request) -> Template:
        return await _page(request)

    @post("/new", opt=MANAGE, status_code=200)
    async def new(self, request: Request, state: State) -> Template:
        """A new address, shown on this page only, once."""
        me = _me(request)
        token = await calendar.new_feed(me.id, actor=staff_actor(me.id))
        return await _page(request, address=calendar.feed_url(state.settings, token))

    @post("/revoke", opt=MANAGE)
    async def revoke(self, request: Request) -> Redirect:
        me = _me(request)
        await calendar.revoke_feed(me.id, actor=staff_actor(me.id))
        return Redirect("/staff/calendar", status_code=303)

    @get("/{name:str}", opt=FEED)
    async def feed(self, name: Annotated[str, Parameter(max_length=120)],
                   state: State) -> Response:
        """The feed at `/staff/calendar/<token>.ics`."""
        token = name.removesuffix(SUFFIX)
        if token == name or not token:
            raise NotFound(calendar.NO_FEED)
        body = await calendar.feed(token, settings=state.settings)
        return Response(body, media_type=MEDIA_TYPE, headers={
            "referrer-policy": "no-referrer",
            "content-disposition": 'inline; filename="deadlines.ics"'})
