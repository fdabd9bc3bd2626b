"""HTTP for filing and following up a case: the pages and the API. No rules here."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter, QueryParameter
from litestar.response import Template
from pydantic import BaseModel, Field, ValidationError

from registry.cases import parties, services
from registry.cases.schemas import (
    CaseFiled,
    CaseForFiler,
    ComplaintForm,
    DecisionOut,
    DeclarationForm,
    FilerAppeal,
    FilerMessage,
    FollowUpRequest,
    MessageOut,
    RespondentWriting,
)
from registry.limits import services as limits
from registry.principles import services as principles
from registry.refusals import Conflict, Invalid, NotFound, Refusal, TooMany
from registry.settings import Settings
from registry.translation import N_
from registry.validation import PROBLEMS, placed, problems
from registry.web import errors, i18n
from registry.web.background import after_answering
from registry.web.i18n import gettext as _

NO_STORE = CacheControlHeader(no_store=True)
WORDS = {"author_words": services.AUTHOR_WORDS}
TOKEN = Annotated[str, Parameter(max_length=300)]
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MB = 1024 * 1024
# What a form with evidence may weigh: the most evidence the settings can allow, and the
# form around it (base64 in JSON is a third larger).
PAGE_LIMIT = (services.MAX_TOTAL_MB + 1) * MB
API_LIMIT = (services.MAX_TOTAL_MB * 4 // 3 + 1) * MB


async def _follow_up_page(status_code: int = 200, headers: dict[str, str] | None = None,
                          **context: Any) -> Template:
    return Template("cases/follow_up.html", status_code=status_code, headers=headers, context={
        **WORDS, **await _titles(), "view": None, "errors": {}, "notice": None,
        "reference": "", "receipt_code": "", "text": "", "grounds": "", **context})


async def _door(refusal: Refusal, reference: str) -> Template:
    """The door again: a pair that opens no case is told against the receipt code (the
    same words whatever was wrong), the reference kept, the code never written back."""
    return await _follow_up_page(errors.status_of(refusal), errors.headers_of(refusal),
                                 reference=reference, errors={"receipt_code": refusal.text(_)})


async def _reopened(reference: str, code: str, settings: Settings, *, notice: str | None,
                    found: dict[str, str], status_code: int, **kept: Any) -> Template:
    """The filer's case again after writing, with what happened (or what is wrong with
    what was written, which is kept); a pair that does not open it, the door again."""
    try:
        view = await services.follow_up(reference, code, settings=settings)
    except Refusal as refusal:
        return await _door(refusal, reference)
    # A form gone with the stage (the case closed, the appeal window ended, while its
    # filer wrote) has no control to link to: its problems are said for the whole page.
    shown = ({"text", "attachments"} if view.can_write else set()) | (
        {"grounds"} if view.can_appeal else set())
    return await _follow_up_page(status_code, view=view, notice=notice,
                                 errors=placed(found, {f: f for f in shown}),
                                 reference=view.reference, receipt_code=code, **kept)


async def _uploads(value: Any) -> list[tuple[str, bytes]]:
    found = value if isinstance(value, list) else [value] if value is not None else []
    return [(upload.filename or "", await upload.read()) for upload in found
            if isinstance(upload, UploadFile)]


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    """The page's fields as the rules take them (checkboxes and radios made booleans)."""
    principles_ = data.get("principles", [])
    principles_ = principles_ if isinstance(principles_, list) else [principles_]
    values: dict[str, Any] = {key: value for key, value in data.items()
              if key in ("kind", "respondent", "account", "name", "contact_email")
              and isinstance(value, str)}
    values["principles"] = [int(n) for n in principles_ if isinstance(n, str)
                            and n.isascii() and n.isdigit() and len(n) <= 2]
    values["anonymous"] = data.get("identity") != "named"
    values["consent_to_identity"] = data.get("consent_to_identity") == "on"
    return values


async def _titles() -> dict[str, Any]:
    """The Principles in force, each with its title, for forms and views."""
    in_force = await principles.version_in_force()
    titles: list[tuple[int, str]] = []
    if in_force is not None:
        document = await principles.load_text(in_force, in_force.text_of_record)
        titles = [(p.number, p.title) for p in document.principles]
    return {"in_force": in_force, "principles": titles, "titles": dict(titles)}


async def _form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, **await _titles(),
            "respondents": await services.respondents()}


# The respondent's page: each field the rules name, under its control's id.
RESPOND_FIELDS = {"text": "respond-text", "attachments": "respond-evidence",
                  "evidence": "respond-evidence"}


async def _respond_page(token: str, status_code: int = 200,
                        found: dict[str, str] | None = None, text: str = "") -> Template:
    _link, view = await parties.respondent_view(token)  # a link that no longer works: why
    # The form gone with the stage: its problems are said for the whole page.
    shown = {"respond-text", "respond-evidence"} if view is not None and view.can_write else set()
    return Template("cases/respond.html", status_code=status_code, context={
        **WORDS, **await _titles(), "view": view, "token": token,
        "errors": placed(found or {}, {f: f for f in shown}), "text": text})


class ComplaintPages(Controller):
    path = "/complaints"
    include_in_schema = False
    cache_control = NO_STORE

    @get("/new")
    async def form(self, respondent: Annotated[str | None, QueryParameter(
            max_length=40)] = None) -> Template:
        return Template("cases/new.html", context=await _form_context(
            {"respondent": respondent or "", "anonymous": True, "principles": []}, {}))

    @post("/new", request_max_body_size=PAGE_LIMIT)
    async def file(self, request: Request, state: State,
                   data: Annotated[dict[str, Any], MULTIPART]) -> Template:
        settings: Settings = state.settings
        values = _form_values(data)
        try:
            form = ComplaintForm.model_validate(values)
            evidence = services.check_evidence(await _uploads(data.get("evidence")), settings)
            await limits.check_request(request)
            filed = await services.file(form, language=i18n.current(), evidence=evidence,
                                        settings=settings)
        except ValidationError as error:
            return Template("cases/new.html", status_code=400,
                            context=await _form_context(values, problems(error)))
        except (Invalid, TooMany) as refusal:
            return Template("cases/new.html", status_code=errors.status_of(refusal),
                            headers=errors.headers_of(refusal),
                            context=await _form_context(values, refusal.form_problems(_)))
        return Template("cases/filed.html", context={"filed": filed})

    @get("/follow-up")
    async def follow_up_form(self) -> Template:
        return await _follow_up_page()

    @post("/follow-up")
    async def follow_up(self, state: State,
                        data: Annotated[dict[str, Any], FORM]) -> Template:
        reference, code = str(data.get("reference", ""))[:40], str(data.get("receipt_code", ""))
        # An empty answer opens nothing: said against its field, before any lookup.
        missing = {field: _(PROBLEMS["missing"]) for field, value in
                   (("reference", reference), ("receipt_code", code)) if not value.strip()}
        if missing:
            return await _follow_up_page(400, reference=reference, errors=missing)
        try:
            view = await services.follow_up(reference, code[:64], settings=state.settings)
        except Refusal as refusal:
            return await _door(refusal, reference)
        return await _follow_up_page(view=view, reference=view.reference, receipt_code=code)

    @post("/follow-up/message", request_max_body_size=PAGE_LIMIT)
    async def write(self, state: State,
                    data: Annotated[dict[str, Any], MULTIPART]) -> Template:
        settings: Settings = state.settings
        reference = str(data.get("reference", ""))[:40]
        code = str(data.get("receipt_code", ""))[:64]
        text = str(data.get("text", ""))
        fields = {"text": "text", "attachments": "attachments", "evidence": "attachments"}
        try:
            message = FilerMessage.model_validate(
                {"reference": reference, "receipt_code": code, "text": text})
            evidence = services.check_evidence(await _uploads(data.get("evidence")), settings)
            await services.filer_writes(message.reference, message.receipt_code, message.text,
                                        evidence=evidence, settings=settings)
        except ValidationError as error:
            return await _reopened(reference, code, settings, notice=None, status_code=400,
                                   found=placed(problems(error), fields), text=text)
        except (NotFound, TooMany) as refusal:  # the pair does not open the case
            return await _door(refusal, reference)
        except (Invalid, Conflict) as refusal:
            return await _reopened(
                reference, code, settings, notice=None, status_code=errors.status_of(refusal),
                found=placed(refusal.form_problems(_), fields), text=text)
        return await _reopened(reference, code, settings, found={}, status_code=200,
                               notice=_("Your message was added to the case."))

    @post("/follow-up/appeal")
    async def appeal(self, state: State, data: Annotated[dict[str, Any], FORM]) -> Template:
        settings: Settings = state.settings
        reference = str(data.get("reference", ""))[:40]
        code = str(data.get("receipt_code", ""))[:64]
        grounds = str(data.get("grounds", ""))[:20000]
        fields = {"text": "grounds", "grounds": "grounds"}
        try:
            checked = RespondentWriting.model_validate({"text": grounds}).text
            await services.filer_appeals(reference, code, checked, settings=settings)
        except ValidationError as error:
            return await _reopened(reference, code, settings, notice=None, status_code=400,
                                   found=placed(problems(error), fields), grounds=grounds)
        except (NotFound, TooMany) as refusal:  # the pair does not open the case
            return await _door(refusal, reference)
        except (Invalid, Conflict) as refusal:
            return await _reopened(
                reference, code, settings, notice=None, status_code=errors.status_of(refusal),
                found=placed(refusal.form_problems(_), fields),
                grounds=grounds)
        return await _reopened(reference, code, settings, found={}, status_code=200,
                               notice=_("Your appeal is lodged. Another panel will hear it."))

    # --- The respondent, through its one-time link ------------------------------------

    @get("/respond/{token:str}")
    async def respond_page(self, token: TOKEN) -> Template:
        return await _respond_page(token)

    @post("/respond/{token:str}", request_max_body_size=PAGE_LIMIT)
    async def respond(self, token: TOKEN, state: State,
                      data: Annotated[dict[str, Any], MULTIPART]) -> Template:
        settings: Settings = state.settings
        text = str(data.get("text", ""))
        try:
            checked = RespondentWriting.model_validate({"text": text}).text
            evidence = services.check_evidence(await _uploads(data.get("evidence")), settings)
            done = await parties.respondent_writes(token, checked, evidence=evidence,
                                                   settings=settings)
        except ValidationError as error:
            return await _respond_page(token, 400, placed(problems(error), RESPOND_FIELDS),
                                       text)
        except (Invalid, Conflict) as refusal:  # the page again, with why not
            return await _respond_page(token, errors.status_of(refusal), placed(
                refusal.form_problems(_), RESPOND_FIELDS), text)
        return Template("cases/responded.html", context={"done": done})

    # --- A signatory declares its own conflict ----------------------------------------

    @get("/declare")
    async def declare_request_form(self) -> Template:
        return Template("cases/declare_request.html", context={"sent": False})

    @post("/declare")
    async def declare_request(self, request: Request, state: State,
                              data: Annotated[dict[str, Any], FORM]) -> Template:
        email = str(data.get("contact_email", ""))[:254]
        if "@" in email:
            await limits.check_request(request)
        # Answered first, the work done after: how long the answer takes must not tell
        # whether the address is a signatory's.
        return Template("cases/declare_request.html", context={
            "sent": True, "answer": _(services.ASK_DECLARATION_ANSWER)},
            background=after_answering(services.ask_declaration, email,
                                       settings=state.settings) if "@" in email else None)

    @get("/declare/{token:str}")
    async def declare_form(self, token: TOKEN) -> Template:
        h = await services.declaration_form(token)
        return Template("cases/declare.html", context={
            **await _titles(), "holder": h, "token": token, "values": {"principles": []},
            "errors": {}})

    @post("/declare/{token:str}", request_max_body_size=PAGE_LIMIT)
    async def declare(self, token: TOKEN, state: State,
                      data: Annotated[dict[str, Any], MULTIPART]) -> Template:
        settings: Settings = state.settings
        values = _form_values(data)
        values = {"principles": values["principles"], "account": values.get("account", "")}
        try:
            form = DeclarationForm.model_validate(values)
            evidence = services.check_evidence(await _uploads(data.get("evidence")), settings)
            filed = await services.declare(token, form, evidence=evidence, settings=settings)
        except (ValidationError, Invalid) as refusal:
            found = (refusal.form_problems(_) if isinstance(refusal, Invalid)
                     else problems(refusal))
            return Template("cases/declare.html", status_code=400, context={
                **await _titles(), "holder": await services.declaration_form(token),
                "token": token, "values": values, "errors": found})
        return Template("cases/filed.html", context={"filed": filed})


class EvidenceIn(BaseModel):
    name: str = Field(default="", max_length=300)
    content_base64: str = Field(max_length=API_LIMIT)


class ComplaintIn(ComplaintForm):
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=50)


class MessageIn(FilerMessage):
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=50)


def _decoded(evidence: list[EvidenceIn]) -> list[tuple[str, bytes]]:
    try:
        return [(item.name, base64.b64decode(item.content_base64, validate=True))
                for item in evidence]
    except (binascii.Error, ValueError) as error:
        raise Invalid(N_("Evidence must be sent as base64."), field="evidence") from error


def _view_out(view: services.FilerView) -> CaseForFiler:
    d = view.decision
    return CaseForFiler(
        reference=view.reference, kind=view.kind, stage=view.stage, filed_at=view.filed_at,
        respondent=view.respondent, principles=view.principles, account=view.account,
        messages=[MessageOut(author=m.author, text=m.text, at=m.at) for m in view.messages],
        due=view.due, can_comment=view.can_comment,
        can_appeal=view.can_appeal, appealed=view.appealed,
        decision=DecisionOut(draft=d.draft, instance=d.instance, outcome=d.outcome,
                             principles_breached=d.principles_breached, reasoning=d.reasoning,
                             public_summary=d.public_summary,
                             suspension_until=d.suspension_until, decided_at=d.decided_at)
        if d else None)


class ComplaintApi(Controller):
    path = "/api/v1/complaints"
    tags = ["cases"]  # noqa: RUF012 - Litestar reads this class attribute as it is
    cache_control = NO_STORE

    @post("/", status_code=201, request_max_body_size=API_LIMIT,
          responses=errors.answers(413, 429))
    async def file(self, request: Request, state: State,
                   data: Annotated[ComplaintIn, Body()]) -> CaseFiled:
        """File a complaint or a conflict of interest. The receipt code is in this answer
        only: keep it, with the reference, to follow the case up."""
        settings: Settings = state.settings
        evidence = services.check_evidence(_decoded(data.evidence), settings)
        form = ComplaintForm.model_validate(data.model_dump(exclude={"evidence"}))
        await limits.check_request(request)
        filed = await services.file(form, language=i18n.current(), evidence=evidence,
                                    settings=settings)
        return CaseFiled(reference=filed.reference, receipt_code=filed.receipt_code)

    # A reference and receipt code that open no case are 404; too many tries at one
    # case, 429 (services.TOO_MANY).
    @post("/follow-up", status_code=200, responses=errors.answers(404, 413, 429))
    async def follow_up(self, state: State,
                        data: Annotated[FollowUpRequest, Body()]) -> CaseForFiler:
        """The case as its filer sees it, opened with the reference and the receipt code."""
        return _view_out(await services.follow_up(data.reference, data.receipt_code,
                                                  settings=state.settings))

    @post("/messages", status_code=201, responses=errors.answers(404, 409, 413, 429))
    async def write(self, state: State, data: Annotated[MessageIn, Body()]) -> CaseForFiler:
        """The filer writes to the panel (with evidence, base64), opened as above."""
        settings: Settings = state.settings
        evidence = services.check_evidence(_decoded(data.evidence), settings)
        await services.filer_writes(data.reference, data.receipt_code, data.text,
                                    evidence=evidence, settings=settings)
        return _view_out(await services.follow_up(data.reference, data.receipt_code,
                                                  settings=settings))

    @post("/appeal", status_code=201, responses=errors.answers(404, 409, 413, 429))
    async def appeal(self, state: State, data: Annotated[FilerAppeal, Body()]) -> CaseForFiler:
        """The filer appeals the decision, once, within the appeal window."""
        settings: Settings = state.settings
        await services.filer_appeals(data.reference, data.receipt_code, data.grounds,
                                     settings=settings)
        return _view_out(await services.follow_up(data.reference, data.receipt_code,
                                                  settings=settings))
