"""HTTP for accession: the form, confirmation, the receipt, and the API. No rules here."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Template
from pydantic import ValidationError

from registry import countries, formats
from registry.accessions import lifecycle, review, services
from registry.accessions import statement as statements
from registry.accessions.holders import Holder
from registry.accessions.schemas import (
    AccessionAccepted,
    AccessionForm,
    AnswerRequest,
    ConfirmRequest,
    ConfirmResult,
    Kind,
    Listing,
    ReaccessionAnswers,
    RegistrationStatus,
    RenewRequest,
    ResendRequest,
    SignatoryState,
    TokenRequest,
)
from registry.limits import services as limits
from registry.principles import services as principles
from registry.refusals import Invalid, Refusal
from registry.translation import NP_
from registry.validation import placed, problem, problems
from registry.web import errors, i18n
from registry.web.background import after_answering
from registry.web.i18n import N_
from registry.web.i18n import gettext as _

NO_STORE = CacheControlHeader(no_store=True)
TOKEN = Annotated[str, Parameter(max_length=300)]
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
# What a mailed link's token can meet: unknown (404), expired or used (410), or an
# accession no longer in the state the link was for (409).
LINK_ANSWERS = errors.answers(404, 409, 410, 413)


@dataclass(frozen=True)
class LinkAction:
    """A page behind a mailed link: what it does, its one button, what it says after."""

    title: str
    explain: str
    button: str
    done: str


LINK_ACTIONS = {
    "reaffirm": LinkAction(
        N_("Re-affirm the accession"),
        N_("Press the button to re-affirm the accession to the Principles for another year."),
        N_("Re-affirm"),
        N_("Thank you: the accession is re-affirmed. The next re-affirmation is due on "
           "%(due)s.")),
    "withdraw": LinkAction(
        N_("Withdraw the accession"),
        NP_("Withdrawing takes effect %(days)s day after you press the button. Until then the "
            "register shows \"withdrawal pending\", and a link in the mail we send lets you "
            "cancel it, also if you were made to withdraw against your will.",
            "Withdrawing takes effect %(days)s days after you press the button. Until then the "
            "register shows \"withdrawal pending\", and a link in the mail we send lets you "
            "cancel it, also if you were made to withdraw against your will.", "days"),
        N_("Withdraw"),
        N_("The withdrawal takes effect on %(effective)s. A link to cancel it is on its way "
           "to the contact e-mail address.")),
    "cancel-withdrawal": LinkAction(
        N_("Cancel the withdrawal"),
        N_("Press the button to cancel the pending withdrawal: the accession continues as "
           "before."),
        N_("Cancel the withdrawal"),
        N_("The withdrawal is cancelled; the accession continues as before.")),
}


def _state(holder: Holder) -> SignatoryState:
    s = holder.signatory
    year_ends, effective = holder.year_ends, holder.withdrawal_effective_at
    return SignatoryState(
        signatory=s["public_id"], status=s["status"], version=s["version_id"],
        reaffirm_due=year_ends.date() if year_ends else None,
        withdrawal_effective_at=effective.date() if effective else None)


def _link_page(name: str, token: str, *, done: bool = False, **values: Any) -> Template:
    return Template("accede/link_action.html", context={
        "action": LINK_ACTIONS[name], "path": f"/accede/{name}/{token}", "done": done,
        "values": {key: formats.shown(value) for key, value in values.items()}})


# The public key pasted into the form is JSON text: read here, so that the rules get
# the object. More than the box holds is no public key, and is not read.
KEY_MAX_LENGTH = 4000
NOT_A_KEY = N_("Paste the public key as a JWK: a JSON object that begins with { and ends "
               "with }.")
PRIVATE_KEY = N_("Paste the public key only: this key has its private part, which must never "
                 "leave you.")
# The page has a control for each of these; what the rules say of anything else (the
# statement's date, the version: hidden) is said for the whole form.
EMAIL = {"contact_email": "contact_email"}  # the one question of the link forms
ON_THE_PAGE = tuple(field for field in AccessionForm.model_fields
                    if field not in ("date", "version"))


def _pasted_key(text: object) -> dict[str, Any] | str:
    """The pasted public key as an object, or what is wrong with the paste (in words)."""
    if not isinstance(text, str):  # the answer given twice
        return _(NOT_A_KEY)
    if len(text) > KEY_MAX_LENGTH:
        return problem({"loc": ("applicant_jwk",), "type": "string_too_long",
                        "ctx": {"max_length": KEY_MAX_LENGTH}})[1]
    try:
        key = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        return _(NOT_A_KEY)
    return key if isinstance(key, dict) else _(NOT_A_KEY)


def _on_the_page(found: dict[str, str]) -> dict[str, str]:
    """The problems in the order of the page's controls, each at its control, and what
    belongs to none of them said for the whole form, first."""
    order = {field: place for place, field in enumerate(("form", *ON_THE_PAGE))}
    return dict(sorted(placed(found, {f: f for f in ON_THE_PAGE}).items(),
                       key=lambda item: order[item[0]]))


# What a private key has that a public one has not: the private members of a JWK (RFC
# 7518 §6.2.2, §6.3.2, §6.4), or a PEM's label. Matched in the text as pasted, so that a
# key set, a broken JSON or a PEM is never written back into the page either.
_PRIVATE_PARTS = re.compile(r'PRIVATE KEY|"(?:d|k|p|q|dp|dq|qi|oth)"\s*:')


def _looks_private(given: object) -> bool:
    texts = given if isinstance(given, list) else [given]
    return any(isinstance(text, str) and _PRIVATE_PARTS.search(text) for text in texts)


def _kept(given: object) -> str:
    """An answer written back into its box: as typed (an answer given twice is not)."""
    return given if isinstance(given, str) else ""


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
    return {"values": values, "errors": errors, "in_force": in_force,
            "country_groups": countries.groups(),
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
    async def submit(self, request: Request, state: State, data: Annotated[
            dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        values = _form_data(data)  # as given: the page shows them again
        answers, found = dict(values), {}
        if "applicant_jwk" in values:
            pasted = values["applicant_jwk"]
            key = _pasted_key(pasted)
            private = isinstance(key, dict) and ("d" in key or "k" in key)
            if private or _looks_private(pasted):  # never written back, however pasted
                values["applicant_jwk"], key = "", _(PRIVATE_KEY)
            else:
                values["applicant_jwk"] = _kept(pasted)
            # A key that cannot be read stands in as an empty one, so that the rest of the
            # form is checked too, and every problem said at once.
            answers["applicant_jwk"] = key if isinstance(key, dict) else {}
            if isinstance(key, str):
                found["applicant_jwk"] = key
        try:
            form = AccessionForm.model_validate(answers)
        except ValidationError as error:
            found = {**problems(error), **found}
        if found:
            return Template("accede/form.html", status_code=400,
                            context=await _form_context(values, _on_the_page(found)))
        try:
            await limits.check_request(request)
            submitted = await services.submit(form, language=i18n.current(),
                                              settings=state.settings)
        except Refusal as refusal:
            found = _on_the_page(refusal.form_problems(_))
            return Template("accede/form.html", status_code=errors.status_of(refusal),
                            headers=errors.headers_of(refusal),
                            context=await _form_context(values, found))
        return Template("accede/submitted.html", context={
            "submitted": submitted, "hours": state.settings.confirmation_link_hours})

    @get("/resend")
    async def resend_form(self) -> Template:
        return Template("accede/resend.html", context={"done": False, "errors": {},
                                                       "contact_email": ""})

    @post("/resend")
    async def resend(self, request: Request, state: State, data: Annotated[
            dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        given = data.get("contact_email", "")
        try:
            asked = ResendRequest.model_validate({"contact_email": given})
        except ValidationError as error:
            return Template("accede/resend.html", status_code=400, context={
                "done": False, "errors": placed(problems(error), EMAIL),
                "contact_email": _kept(given)})
        await limits.check_request(request)
        return Template("accede/resend.html", context={
            "done": True, "errors": {}, "answer": _(services.RESEND_ANSWER)},
            background=after_answering(services.resend_confirmation, asked.contact_email,
                                        settings=state.settings))

    @get("/confirm/{token:str}")
    async def confirm_page(self, token: Annotated[str, Parameter(max_length=300)]) -> Template:
        # Only a button here: mail scanners open links, and opening must not confirm.
        # Above it, what the button confirms: the mail said nothing the applicant typed.
        return Template("accede/confirm.html", context={
            "token": token, "application": await services.to_confirm(token)})

    @post("/confirm/{token:str}")
    async def confirm(self, token: Annotated[str, Parameter(max_length=300)],
                      state: State) -> Template:
        confirmed = await services.confirm(token, settings=state.settings)
        return Template("accede/confirmed.html", context={"confirmed": confirmed})

    @get("/answer/{token:str}")
    async def answer_form(self, token: TOKEN) -> Template:
        public_name, question = await review.question(token)
        return Template("accede/answer.html", context={
            "token": token, "public_name": public_name, "question": question, "done": False,
            "errors": {}, "answer": ""})

    @post("/answer/{token:str}")
    async def answer(self, token: TOKEN, data: Annotated[dict[str, Any], FORM]) -> Template:
        text = str(data.get("answer", ""))[:5000]
        try:
            await review.answer(token, text)
        except Invalid as refusal:  # the answer again, with what is wrong with it
            public_name, question = await review.question(token)  # if the link is good
            return Template("accede/answer.html", status_code=400, context={
                "token": token, "public_name": public_name, "question": question,
                "done": False, "errors": placed(refusal.form_problems(_), {"answer": "answer"}),
                "answer": text})
        return Template("accede/answer.html", context={"done": True, "errors": {}})

    @get("/reaffirm/{token:str}")
    async def reaffirm_page(self, token: TOKEN) -> Template:
        return _link_page("reaffirm", token)

    @post("/reaffirm/{token:str}")
    async def reaffirm(self, token: TOKEN, state: State) -> Template:
        holder = await lifecycle.reaffirm(token, settings=state.settings)
        return _link_page("reaffirm", token, done=True,
                          due=_state(holder).reaffirm_due or "")

    @get("/withdraw")
    async def withdraw_request_form(self, state: State) -> Template:
        return Template("accede/withdraw_request.html", context={
            "done": False, "errors": {}, "contact_email": "",
            "days": state.settings.withdrawal_cooling_off_days})

    @post("/withdraw")
    async def withdraw_request(self, request: Request, state: State,
                               data: Annotated[dict[str, Any], FORM]) -> Template:
        given = data.get("contact_email", "")
        try:
            asked = ResendRequest.model_validate({"contact_email": given})
        except ValidationError as error:
            return Template("accede/withdraw_request.html", status_code=400, context={
                "done": False, "errors": placed(problems(error), EMAIL),
                "contact_email": _kept(given),
                "days": state.settings.withdrawal_cooling_off_days})
        await limits.check_request(request)
        return Template("accede/withdraw_request.html", context={
            "done": True, "errors": {}, "answer": _(lifecycle.ASK_WITHDRAWAL_ANSWER)},
            background=after_answering(lifecycle.ask_withdrawal, asked.contact_email,
                                        settings=state.settings))

    @get("/withdraw/{token:str}")
    async def withdraw_page(self, token: TOKEN, state: State) -> Template:
        return _link_page("withdraw", token, days=state.settings.withdrawal_cooling_off_days)

    @post("/withdraw/{token:str}")
    async def withdraw(self, token: TOKEN, state: State) -> Template:
        holder = await lifecycle.withdraw(token, settings=state.settings)
        return _link_page("withdraw", token, done=True,
                          effective=_state(holder).withdrawal_effective_at or "")

    @get("/cancel-withdrawal/{token:str}")
    async def cancel_withdrawal_page(self, token: TOKEN) -> Template:
        return _link_page("cancel-withdrawal", token)

    @post("/cancel-withdrawal/{token:str}")
    async def cancel_withdrawal(self, token: TOKEN, state: State) -> Template:
        await lifecycle.cancel_withdrawal(token, settings=state.settings)
        return _link_page("cancel-withdrawal", token, done=True)

    async def _renew_page(self, token: str, values: dict[str, Any], errors: dict[str, str],
                          status_code: int = 200) -> Template:
        holder, in_force = await lifecycle.reaccession_form(token)
        shown = values or {k: holder.application.get(k) for k in (
            "representative_name", "representative_role", "head_in_party_body",
            "other_interests")}
        return Template("accede/renew.html", status_code=status_code, context={
            "token": token, "in_force": in_force, "old_version": holder.signatory["version_id"],
            "public_name": holder.application["public_name"], "values": shown,
            "errors": errors})

    @get("/renew/{token:str}")
    async def renew_form(self, token: TOKEN) -> Template:
        return await self._renew_page(token, {}, {})

    @post("/renew/{token:str}")
    async def renew(self, token: TOKEN, state: State,
                    data: Annotated[dict[str, Any], FORM]) -> Template:
        values = {k: v for k, v in _form_data(data).items()
                  if k in ReaccessionAnswers.model_fields}
        try:
            answers = ReaccessionAnswers.model_validate(values)
            confirmed = await lifecycle.reaccede(token, answers, settings=state.settings)
        except ValidationError as error:
            return await self._renew_page(token, values, problems(error), 400)
        except Invalid as refusal:
            return await self._renew_page(token, values, refusal.form_problems(_), 400)
        return Template("accede/renewed.html", context={"confirmed": confirmed})

    @get("/receipt/{token:str}")
    async def receipt(self, token: Annotated[str, Parameter(max_length=300)]) -> Response:
        public_id, jws = await services.receipt(token)
        return Response(jws, media_type="application/jose", headers={
            "content-disposition": f'attachment; filename="accession-{public_id}.jws"'})


class AccessionApi(Controller):
    path = "/api/v1/accessions"
    tags = ["accessions"]  # noqa: RUF012 - Litestar reads this class attribute as it is

    @post("/", status_code=201, responses=errors.answers(409, 413, 429))
    async def submit(self, request: Request, data: Annotated[AccessionForm, Body()],
                     state: State) -> AccessionAccepted:
        """Submit an accession. A confirmation link goes to the contact e-mail address."""
        await limits.check_request(request)
        submitted = await services.submit(data, language=i18n.current(),
                                          settings=state.settings)
        return AccessionAccepted(
            id=submitted.public_id, status="pending_confirmation",
            statement_sha256=submitted.statement_sha256,
            message="Check the contact e-mail address for the confirmation link.")

    @post("/statement", status_code=200, responses=errors.answers(413))
    async def statement(self, data: Annotated[AccessionForm, Body()]) -> dict[str, Any]:
        """The canonical statement these answers make, to sign with your own key (send
        `date` and sign the UTF-8 bytes of `canonical`)."""
        statement = await services.preview(data)
        return {"statement": statement,
                "canonical": statements.canonical(statement).decode("utf-8"),
                "sha256": statements.digest(statement)}

    @post("/resend", status_code=202, responses=errors.answers(413, 429))
    async def resend(self, request: Request, data: Annotated[ResendRequest, Body()],
                     state: State) -> Response[dict[str, str]]:
        """Send a new confirmation link (at most one every 10 minutes). The answer is the
        same whether or not an application with this address exists."""
        await limits.check_request(request)
        return Response({"detail": _(services.RESEND_ANSWER)}, status_code=202,
                        background=after_answering(services.resend_confirmation,
                                                    data.contact_email,
                                                    settings=state.settings))

    @post("/confirm", status_code=200, responses=LINK_ANSWERS)
    async def confirm(self, data: Annotated[ConfirmRequest, Body()],
                      state: State) -> ConfirmResult:
        """Confirm an application with the token from the e-mail."""
        confirmed = await services.confirm(data.token, settings=state.settings)
        return ConfirmResult(id=confirmed.public_id, status="pending_review",
                             receipt=confirmed.receipt,
                             receipt_url=f"/accede/receipt/{confirmed.receipt_token}")

    @post("/answer", status_code=200, responses=LINK_ANSWERS)
    async def answer(self, data: Annotated[AnswerRequest, Body()]) -> dict[str, str]:
        """Answer the secretariat's question about an application (token from the mail)."""
        await review.answer(data.token, data.answer)
        return {"status": "pending_review",
                "detail": _("Thank you. Your answer is with the secretariat, and the review "
                            "of the application continues.")}

    @post("/reaffirm", status_code=200, responses=LINK_ANSWERS)
    async def reaffirm(self, data: Annotated[TokenRequest, Body()],
                       state: State) -> SignatoryState:
        """Re-affirm an accession for another year (token from the reminder)."""
        return _state(await lifecycle.reaffirm(data.token, settings=state.settings))

    @post("/withdrawal", status_code=202, responses=errors.answers(413, 429))
    async def ask_withdrawal(self, request: Request, data: Annotated[ResendRequest, Body()],
                             state: State) -> Response[dict[str, str]]:
        """Ask for a link to withdraw: it goes to the contact address, if an accession
        with it is in the register. The answer is the same either way."""
        await limits.check_request(request)
        return Response({"detail": _(lifecycle.ASK_WITHDRAWAL_ANSWER)}, status_code=202,
                        background=after_answering(lifecycle.ask_withdrawal,
                                                    data.contact_email,
                                                    settings=state.settings))

    @post("/withdraw", status_code=200, responses=LINK_ANSWERS)
    async def withdraw(self, data: Annotated[TokenRequest, Body()],
                       state: State) -> SignatoryState:
        """Confirm a withdrawal (token from the mail): it takes effect after the cooling-off
        period, and can be cancelled until then."""
        return _state(await lifecycle.withdraw(data.token, settings=state.settings))

    @post("/cancel-withdrawal", status_code=200, responses=LINK_ANSWERS)
    async def cancel_withdrawal(self, data: Annotated[TokenRequest, Body()],
                                state: State) -> SignatoryState:
        """Cancel a pending withdrawal (token from the mail)."""
        return _state(await lifecycle.cancel_withdrawal(data.token,
                                                        settings=state.settings))

    @post("/renew", status_code=201, responses=LINK_ANSWERS)
    async def renew(self, data: Annotated[RenewRequest, Body()],
                    state: State) -> ConfirmResult:
        """Accede to the version now in force (token from the invitation mail)."""
        confirmed = await lifecycle.reaccede(data.token, data, settings=state.settings)
        return ConfirmResult(id=confirmed.public_id, status="active",
                             receipt=confirmed.receipt,
                             receipt_url=f"/accede/receipt/{confirmed.receipt_token}")
