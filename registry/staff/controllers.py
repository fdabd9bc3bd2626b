"""HTTP for staff: login, enrolment, the staff home, accounts, and the staff API.

Every route here declares either `opt={"public": True}` or the permission it needs;
`staff_guard` (put on every staff route as it is registered) enforces it.
"""

from __future__ import annotations

import base64
from typing import Annotated

import qrcode
import qrcode.image.svg
from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, Cookie, State
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter, QueryParameter
from litestar.response import Redirect, Template

from registry.audit import services as audit
from registry.refusals import Invalid
from registry.settings import Settings
from registry.staff import guards, login, services
from registry.staff.guards import current_staff
from registry.staff.permissions import Permission
from registry.staff.schemas import (
    AuditEventOut,
    CodeForm,
    EnrolForm,
    LoginForm,
    StaffMe,
)
from registry.web import errors
from registry.web.i18n import gettext as _

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
PUBLIC = {"public": True}
NO_STORE = CacheControlHeader(no_store=True)


def _settings(state: State) -> Settings:
    return state.settings


def _next(value: str | None) -> str:
    """Only back into the staff area: never an open redirect."""
    if value and value.startswith("/staff") and "//" not in value and "\\" not in value:
        return value
    return "/staff"


def _cookie(name: str, value: str, settings: Settings, *, delete: bool = False) -> Cookie:
    return Cookie(key=guards.cookie_name(name, settings), value="" if delete else value,
                  path="/", httponly=True, secure=settings.secure_cookies, samesite="lax",
                  max_age=0 if delete else None)


def _device_cookie(value: str, settings: Settings) -> Cookie:
    """Long lived, and Strict: only the login forms, posted from this site, read it."""
    return Cookie(key=guards.cookie_name(guards.DEVICE_COOKIE, settings), value=value,
                  path="/", httponly=True, secure=settings.secure_cookies, samesite="strict",
                  max_age=settings.login_device_cookie_days * 86400)


def _client(request: Request) -> str | None:
    return login.client_bucket(request.client.host if request.client else None)


def _device(request: Request, settings: Settings) -> str | None:
    return guards.read_cookie(request.scope,
                              guards.cookie_name(guards.DEVICE_COOKIE, settings))


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _enrol_field(problem: Invalid) -> str:
    """The answer of the enrolment form a refusal is about (none is ever written back)."""
    if problem.field:
        return problem.field
    return "password" if isinstance(problem, services.WeakPassword) else "form"


def _enrol_page(view: services.EnrolmentView, settings: Settings,
                errors: dict[str, str] | None = None) -> Template:
    return Template("staff/enrol.html", status_code=400 if errors else 200, context={
        "view": view, "qr": _qr_data_uri(view.provisioning_uri), "errors": errors or {},
        "min_length": settings.password_min_length})


class StaffPages(Controller):
    path = "/staff"
    include_in_schema = False
    cache_control = NO_STORE

    @get("/", opt={"permission": Permission.staff_home_view})
    async def home(self, request: Request) -> Template:
        return Template("staff/home.html", context={"staff": current_staff(request)})

    @get("/login", opt=PUBLIC)
    async def login_form(
        self, request: Request,
        next_path: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None,
    ) -> Template | Redirect:
        if current_staff(request):
            return Redirect(_next(next_path), status_code=303)
        return Template("staff/login.html", context={"next": _next(next_path), "errors": {},
                                                     "email": ""})

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request, state: State,
                    data: Annotated[LoginForm, FORM]) -> Template | Redirect:
        settings = _settings(state)
        try:
            token = await login.begin_login(data.email, data.password,
                                            client=_client(request), settings=settings,
                                            device=_device(request, settings))
        except login.LoginRefused as refused:
            # For the whole form, never against a field: which answer was wrong would
            # tell whether the account exists. The address is kept, the password never.
            return Template("staff/login.html", status_code=400, context={
                "next": _next(data.next), "errors": {"form": refused.text(_)},
                "email": data.email})
        return Redirect(f"/staff/login/code?next={_next(data.next)}", status_code=303,
                        cookies=[_cookie(guards.PENDING_COOKIE, token, settings)])

    @get("/login/code", opt=PUBLIC)
    async def code_form(
        self, request: Request, state: State,
        next_path: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None,
    ) -> Template | Redirect:
        pending = guards.read_cookie(
            request.scope, guards.cookie_name(guards.PENDING_COOKIE, _settings(state)))
        if not pending:
            return Redirect("/staff/login", status_code=303)
        return Template("staff/login_code.html",
                        context={"next": _next(next_path), "errors": {}})

    @post("/login/code", opt=PUBLIC)
    async def finish_login(self, request: Request, state: State,
                           data: Annotated[CodeForm, FORM]) -> Template | Redirect:
        settings = _settings(state)
        pending = guards.read_cookie(
            request.scope, guards.cookie_name(guards.PENDING_COOKIE, settings)) or ""
        try:
            done = await login.finish_login(pending, data.code, client=_client(request),
                                            settings=settings, device=_device(request, settings))
        except login.LoginRefused as refused:
            # Its one field, told in the same words as every other refusal of a login;
            # the code is not written back.
            return Template("staff/login_code.html", status_code=400, context={
                "next": _next(data.next), "errors": {"code": refused.text(_)}})
        return Redirect(_next(data.next), status_code=303, cookies=[
            _cookie(guards.SESSION_COOKIE, done.session, settings),
            _cookie(guards.PENDING_COOKIE, "", settings, delete=True),
            _device_cookie(done.device, settings)])

    @post("/logout", opt=PUBLIC)
    async def logout(self, request: Request, state: State) -> Redirect:
        settings = _settings(state)
        token = guards.read_cookie(request.scope,
                                   guards.cookie_name(guards.SESSION_COOKIE, settings))
        if token:
            await login.logout(token)
        return Redirect("/staff/login", status_code=303,
                        cookies=[_cookie(guards.SESSION_COOKIE, "", settings, delete=True)])

    @get("/enrol/{token:str}", opt=PUBLIC)
    async def enrol_form(self, token: Annotated[str, Parameter(max_length=200)],
                         state: State) -> Template:
        try:
            view = await services.open_enrolment(token)
        except services.EnrolmentRefused as refused:
            return Template("staff/enrol_refused.html", status_code=404,
                            context={"message": str(refused)})
        return _enrol_page(view, _settings(state))

    @post("/enrol/{token:str}", opt=PUBLIC)
    async def enrol(self, token: Annotated[str, Parameter(max_length=200)], state: State,
                    data: Annotated[EnrolForm, FORM]) -> Template:
        try:
            codes = await services.complete_enrolment(
                token, data.password, data.password_again, data.code, settings=_settings(state))
        except services.EnrolmentRefused as refused:
            return Template("staff/enrol_refused.html", status_code=404,
                            context={"message": str(refused)})
        except Invalid as problem:
            view = await services.open_enrolment(token)
            return _enrol_page(view, _settings(state), {_enrol_field(problem): problem.text(_)})
        return Template("staff/enrolled.html", context={"codes": codes})

    @get("/accounts", opt={"permission": Permission.staff_accounts_view})
    async def accounts(self) -> Template:
        return Template("staff/accounts.html", context={"accounts": await services.list_staff()})

    @get("/audit", opt={"permission": Permission.audit_events_read})
    async def audit_events(
        self,
        tag: Annotated[str | None, QueryParameter(max_length=100)] = None,
        actor: Annotated[str | None, QueryParameter(max_length=100)] = None,
        subject: Annotated[str | None, QueryParameter(max_length=200)] = None,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Template:
        events = await audit.list_events(
            audit.EventFilter(tag_prefix=tag or None, actor=actor or None,
                              subject=subject or None), before_id=before, limit=50)
        return Template("staff/audit.html", context={
            "events": events, "filters": {"tag": tag or "", "actor": actor or "",
                                          "subject": subject or ""},
            "more": events[-1]["id"] if len(events) == 50 else None})


class StaffApi(Controller):
    path = "/api/v1/staff"
    tags = ["staff"]  # noqa: RUF012 - Litestar reads this class attribute as it is
    cache_control = NO_STORE

    @get("/me", opt={"permission": Permission.staff_home_view},
         responses=errors.answers(401, 403))
    async def me(self, request: Request) -> StaffMe:
        """The logged-in staff member: roles and permissions."""
        principal = current_staff(request)
        assert principal is not None
        return StaffMe(id=principal.id, name=principal.name,
                       roles=sorted(r.value for r in principal.roles),
                       permissions=sorted(p.value for p in principal.permissions))

    @get("/audit", opt={"permission": Permission.audit_events_read},
         responses=errors.answers(401, 403))
    async def audit_events(
        self,
        tag: Annotated[str | None, QueryParameter(max_length=100)] = None,
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> list[AuditEventOut]:
        """Audit events, newest first; page with `before` (the last id seen)."""
        events = await audit.list_events(audit.EventFilter(tag_prefix=tag or None),
                                         before_id=before, limit=limit)
        return [AuditEventOut(**event) for event in events]

