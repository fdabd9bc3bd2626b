"""HTTP for accession: the form, confirmation, the receipt, and the API. No rules here."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, Parameter
from litestar.response import Template
from pydantic import ValidationError

from registry.accessions import services
from registry.accessions import statement as statements
from registry.accessions.schemas import (
    AccessionAccepted,
    AccessionForm,
    ConfirmRequest,
    ConfirmResult,
    Kind,
    Listing,
    RegistrationStatus,
    ResendRequest,
    country_codes,
)
from registry.principles import services as principles
from registry.web import i18n
from registry.web.i18n import gettext as _

NO_STORE = CacheControlHeader(no_store=True)


def _refused(refusal: services.AccessionRefused) -> HTTPException:
    message = _(refusal.message)
    return HTTPException(status_code=refusal.status,
                         detail=f"{refusal.field}: {message}" if refusal.field else message)


def _field_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if not field and ": " in message:  # a rule across fields names its field first
            field, message = message.split(": ", 1)
        found.setdefault(field or "form", message)
    return found


def _form_data(raw: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in raw.items() if key != "_csrf_token"}
    data["consent"] = data.get("consent") == "on"
    answer = data.get("head_in_party_body")
    data["head_in_party_body"] = {"yes": True, "no": False}.get(str(answer), answer)
    for optional in ("applicant_jwk", "applicant_signature", "date"):
        if not data.get(optional):
            data.pop(optional, None)
    return data


async def _form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    in_force = await principles.version_in_force()
    locale = i18n.current_locale()
    countries = sorted(((code, locale.territories.get(code, code)) for code in country_codes()),
                       key=lambda pair: pair[1])
    return {"values": values, "errors": errors, "in_force": in_force, "countries": countries,
            "kinds": list(Kind), "listings": list(Listing),
            "registration_statuses": list(RegistrationStatus)}


class AccedePages(Controller):
    path = "/accede"
    include_in_schema = False
    cache_control = NO_STORE

    @get("/")
    async def form(self) -> Template:
        return Template("accede/form.html", context=await _form_context({}, {}))

    @post("/")
    async def submit(self, state: State, data: Annotated[
            dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        values = _form_data(data)
        try:
            form = AccessionForm.model_validate(values)
            submitted = await services.submit(form, language=i18n.current(),
                                              settings=state.settings)
        except ValidationError as error:
            return Template("accede/form.html", status_code=400,
                            context=await _form_context(values, _field_errors(error)))
        except services.AccessionRefused as refusal:
            return Template("accede/form.html", status_code=refusal.status, context=await
                            _form_context(values, {refusal.field or "form": _(refusal.message)}))
        return Template("accede/submitted.html", context={"submitted": submitted})

    @get("/resend")
    async def resend_form(self) -> Template:
        return Template("accede/resend.html", context={"done": False, "error": None})

    @post("/resend")
    async def resend(self, state: State, data: Annotated[
            dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        try:
            request = ResendRequest.model_validate({"contact_email": data.get("contact_email",
                                                                              "")})
        except ValidationError as error:
            return Template("accede/resend.html", status_code=400, context={
                "done": False, "error": _field_errors(error).get("contact_email")})
        await services.resend_confirmation(request.contact_email, settings=state.settings)
        return Template("accede/resend.html", context={"done": True, "error": None,
                                                      "answer": _(services.RESEND_ANSWER)})

    @get("/confirm/{token:str}")
    async def confirm_page(self, token: Annotated[str, Parameter(max_length=300)]) -> Template:
        # Only a button here: mail scanners open links, and opening must not confirm.
        return Template("accede/confirm.html", context={"token": token})

    @post("/confirm/{token:str}")
    async def confirm(self, token: Annotated[str, Parameter(max_length=300)],
                      state: State) -> Template:
        try:
            confirmed = await services.confirm(token, settings=state.settings)
        except services.AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return Template("accede/confirmed.html", context={"confirmed": confirmed})

    @get("/receipt/{token:str}")
    async def receipt(self, token: Annotated[str, Parameter(max_length=300)]) -> Response:
        try:
            public_id, jws = await services.receipt(token)
        except services.AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return Response(jws, media_type="application/jose", headers={
            "content-disposition": f'attachment; filename="accession-{public_id}.jws"'})


class AccessionApi(Controller):
    path = "/api/v1/accessions"
    tags = ["accessions"]  # noqa: RUF012 - Litestar reads this class attribute as it is

    @post("/", status_code=201)
    async def submit(self, data: Annotated[AccessionForm, Body()],
                     state: State) -> AccessionAccepted:
        """Submit an accession. A confirmation link goes to the contact e-mail address."""
        try:
            submitted = await services.submit(data, language=i18n.current(),
                                              settings=state.settings)
        except services.AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return AccessionAccepted(
            id=submitted.public_id, status="pending_confirmation",
            statement_sha256=submitted.statement_sha256,
            message="Check the contact e-mail address for the confirmation link.")

    @post("/statement", status_code=200)
    async def statement(self, data: Annotated[AccessionForm, Body()]) -> dict[str, Any]:
        """The canonical statement these answers make, to sign with your own key (send
        `date` and sign the UTF-8 bytes of `canonical`)."""
        try:
            statement = await services.preview(data)
        except services.AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return {"statement": statement,
                "canonical": statements.canonical(statement).decode("utf-8"),
                "sha256": statements.digest(statement)}

    @post("/resend", status_code=202)
    async def resend(self, data: Annotated[ResendRequest, Body()],
                     state: State) -> dict[str, str]:
        """Send a new confirmation link (at most one every 10 minutes). The answer is the
        same whether or not an application with this address exists."""
        await services.resend_confirmation(data.contact_email, settings=state.settings)
        return {"detail": _(services.RESEND_ANSWER)}

    @post("/confirm", status_code=200)
    async def confirm(self, data: Annotated[ConfirmRequest, Body()],
                      state: State) -> ConfirmResult:
        """Confirm an application with the token from the e-mail."""
        try:
            confirmed = await services.confirm(data.token, settings=state.settings)
        except services.AccessionRefused as refusal:
            raise _refused(refusal) from refusal
        return ConfirmResult(id=confirmed.public_id, status="pending_review",
                             receipt=confirmed.receipt,
                             receipt_url=f"/accede/receipt/{confirmed.receipt_token}")
