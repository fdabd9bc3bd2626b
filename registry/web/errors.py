"""Errors in words a person understands: JSON under /api/, an HTML page elsewhere.

Never a stack trace, never a 500 for bad input; an unexpected error is logged with its
trace on the server and shown as a generic 500 with nothing from the request in it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import quote

import pydantic
from litestar import MediaType, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.response import Redirect, Template
from pydantic import BaseModel, Field

from registry import db, validation
from registry.audit.tags import EventTag
from registry.refusals import Conflict, Forbidden, Gone, Invalid, NotFound, Refusal, TooMany
from registry.settings import Settings
from registry.staff import tallies
from registry.web import i18n
from registry.web.i18n import N_
from registry.web.i18n import gettext as _

log = logging.getLogger("registry.errors")


# What a visitor is told, by status. Details from the exception are added where they
# are ours to give (we raise them with messages written for people).
PAGE_TITLES = {
    400: N_("Bad request"),
    401: N_("Login needed"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    413: N_("Too large"),
    429: N_("Too many requests"),
    500: N_("Server error"),
    503: N_("Not ready"),
}
PAGE_MESSAGES = {
    400: N_("The request was not understood. Check the address or the form and try again."),
    401: N_("Log in to see this page."),
    403: N_("You are not allowed to do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What was sent is too large."),
    429: N_("Too many requests. Please wait a little and try again."),
    500: N_("Something went wrong on our side. It has been logged; please try again later."),
    503: N_("The registry is not ready to serve requests. Please try again later."),
}


# The status of each kind of refusal (registry/refusals.py).
STATUSES: dict[type[Refusal], int] = {
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    Invalid: 400,
    Forbidden: 403,
    TooMany: 429,
}


class Problem(BaseModel):
    """One thing wrong with a request: where (`source`, `key`), in words, and where the
    answer is one of a few, the answers allowed."""

    key: str | None = Field(default=None, description="The field or parameter at fault.")
    source: str | None = Field(default=None, description="`body`, `query`, `path`, ...")
    message: str = Field(description="What is wrong, in the reader's language.")
    allowed: list[str] | None = None


class ErrorBody(BaseModel):
    """What every refusal under /api/ answers (error_response, refusal_response)."""

    status_code: int
    detail: str = Field(description="What happened, in the reader's language.")
    field: str | None = Field(default=None, description="The one field at fault, if one is.")
    errors: list[Problem] | None = Field(default=None, description="Each field's problem, "
                                         "when the request was not valid.")


# What each status means for whoever calls the API (the OpenAPI document's words).
ANSWERS = {
    304: "Not modified: the copy the client has (its If-None-Match) is current.",
    400: "The request was not valid (its body, a parameter, or the address).",
    401: "A staff login is needed.",
    403: "The staff member's role does not allow this.",
    404: "Nothing at this address, or no such token, reference or badge.",
    409: "The record is not in a state that allows this.",
    410: "The link's token has expired or has been used.",
    413: "The body of the request is larger than this address accepts.",
    429: "Too many requests from this client, or for this case: wait and try again.",
    503: "The registry is not ready to serve requests.",
}


def answers(*statuses: int, page: bool = False) -> dict[int, ResponseSpec]:
    """The error answers a route can give, for the OpenAPI document: the JSON error body
    under /api/ (ErrorBody), or with `page` the HTML error page of the other addresses.
    Every route can answer 400 (a control character in the address, a bad parameter)."""
    found: dict[int, ResponseSpec] = {}
    for status in sorted({400, *statuses}):
        if status == 304:
            found[status] = ResponseSpec(data_container=None, description=ANSWERS[status])
        elif page:
            found[status] = ResponseSpec(data_container=str, media_type=MediaType.HTML,
                                         description=ANSWERS[status], generate_examples=False)
        else:
            found[status] = ResponseSpec(data_container=ErrorBody, media_type=MediaType.JSON,
                                         description=ANSWERS[status], generate_examples=False)
    return found


def status_of(refusal: Refusal) -> int:
    """The status a refusal answers with: its kind's (a refusal of no kind is a 400)."""
    return next((STATUSES[kind] for kind in type(refusal).__mro__ if kind in STATUSES), 400)


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/schema") or path in (
        "/healthz", "/readyz")


# Litestar's words when the connection ends before the whole body came (it raises them
# as a 500 from Request.stream(), wherever the body is read).
HUNG_UP = "client disconnected prematurely"


def hung_up(exc: Exception) -> bool:
    """Whether the client hung up before its request was read (a 500 that is no error)."""
    return isinstance(exc, InternalServerException) and exc.detail == HUNG_UP


def _status_of(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, HTTPException) else 500


CSRF_FAILURE = "CSRF token verification failed"
NOT_VALID = N_("The request is not valid: see `errors` for what is wrong.")


def _validation_problems(exc: ValidationException) -> list[dict[str, object]]:
    """What Litestar refused, field by field, in the reader's language: a body's problems
    from pydantic, a parameter's from Litestar's own words about it."""
    cause = _pydantic_cause(exc)
    if cause is not None:
        return validation.described(cause)
    if not isinstance(exc.extra, list):
        missing = validation.missing_parameter(str(exc.detail))
        return [missing] if missing else []
    found: list[dict[str, object]] = []
    for item in exc.extra:
        if not isinstance(item, dict):
            continue
        said: dict[str, object] = {
            "message": validation.parameter_problem(str(item.get("message", "")))}
        for name in ("key", "source"):
            if name in item:  # a source is Litestar's ParamType: its value ("path")
                said[name] = str(getattr(item[name], "value", item[name]))
        found.append(said)
    return found


def _pydantic_cause(exc: BaseException) -> pydantic.ValidationError | None:
    """The pydantic error behind Litestar's refusal of a body, if that is what it was
    (Litestar raises its own from it and keeps it as the cause)."""
    seen = 0
    cause = exc.__cause__
    while cause is not None and seen < 5:
        if isinstance(cause, pydantic.ValidationError):
            return cause
        cause, seen = cause.__cause__, seen + 1
    return None


async def _record_csrf_refusal(settings: Settings, method: str) -> None:
    """Counted, not recorded one by one: anyone can send refused forms without end
    (staff/tallies.py records each window's count as one event)."""
    now = datetime.now(UTC)
    await tallies.record_closed(settings, now)
    async with db.write_transaction():
        await tallies.count(EventTag.security_csrf_refusals_counted, method,
                            settings=settings, now=now)


def error_response(request: Request, exc: Exception) -> Response:
    """The answer to an error, in the reader's language even where no route was found
    (Litestar refuses an unknown address before any middleware, so the language
    middleware has not chosen one): chosen here, and the page rendered while it holds."""
    with i18n.using(i18n.choose(request.headers.get("cookie"),
                                request.headers.get("accept-language"))):
        response = _error_response(request, exc)
        engine = request.app.template_engine
        if isinstance(response, Template) and engine is not None and response.template_name:
            html = engine.get_template(response.template_name).render(
                **response.context, request=request)
            # The exception's own headers too (a 405's Allow), as the JSON answer has them.
            return Response(html, status_code=response.status_code,
                            media_type=MediaType.HTML, background=response.background,
                            headers={**(getattr(exc, "headers", None) or {}),
                                     "vary": "Accept-Language, Cookie"})
        if "vary" not in response.headers:
            response.headers["vary"] = "Accept-Language, Cookie"
        return response


def _error_response(request: Request, exc: Exception) -> Response:
    status = _status_of(exc)
    background = None
    if isinstance(exc, HTTPException) and status == 403 and exc.detail == CSRF_FAILURE:
        # Exception handlers are synchronous: the audit event is written just after the
        # refusal is sent.
        background = BackgroundTask(_record_csrf_refusal, request.app.state.settings,
                                    request.method)
        exc = HTTPException(status_code=403, detail=N_(
            "This form could not be accepted: it has expired, or it was not sent from this "
            "site. Go back, reload the page and try again."))
    if status == 401 and not is_api(request):
        # A page that needs a staff login sends the visitor to it, and back afterwards.
        return Redirect(f"/staff/login?next={quote(request.url.path)}", status_code=303)
    if hung_up(exc):
        # Nobody is left to answer, and nothing went wrong on our side: not an error.
        log.info("the client hung up during %s %s", request.method, request.url.path)
    elif status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path,
                      exc_info=exc)
    # 503s are ours (readiness says why); other 5xx details may describe internals.
    shown = status < 500 or status == 503
    detail = exc.detail if isinstance(exc, HTTPException) and shown else ""
    if detail == HTTPStatus(status).phrase:  # Litestar's default words: ours are clearer
        detail = ""
    if is_api(request):
        body: dict = {"status_code": status, "detail": _(detail) if detail else _(
            PAGE_MESSAGES.get(status, HTTPStatus(status).phrase))}
        if isinstance(exc, ValidationException):
            # Litestar's own message repeats the whole path, however long: say it plainly,
            # and each field's problem in the reader's language where pydantic found it.
            body["detail"] = _(NOT_VALID)
            body["errors"] = _validation_problems(exc)
        return Response(body, status_code=status, media_type=MediaType.JSON,
                        headers=getattr(exc, "headers", None), background=background)
    # Litestar's own messages for routing and validation failures mention internals
    # ("Validation failed for GET /x"); pages show ours instead.
    if isinstance(exc, ValidationException) or detail == HTTPStatus(status).phrase:
        detail = ""
    return error_page(status, _(detail) if detail else "", background=background)


def error_page(status: int, detail: str = "", *,
               background: BackgroundTask | None = None) -> Template:
    """The error page in the reader's language; `detail` is translated already."""
    fallback = 400 if status < 500 else 500
    return Template(
        template_name="errors/error.html",
        context={
            "status": status,
            "title": _(PAGE_TITLES.get(status, PAGE_TITLES[fallback])),
            "message": _(PAGE_MESSAGES.get(status, PAGE_MESSAGES[fallback])),
            "detail": detail,
        },
        status_code=status,
        media_type=MediaType.HTML,
        background=background,
    )


def refusal_response(request: Request, refusal: Refusal) -> Response:
    """A rule refused: its kind's status, its words in the reader's language ("field:
    words" where one answer is at fault), as JSON under /api/ and as a page elsewhere."""
    status = status_of(refusal)
    detail = refusal.detail(_)
    headers = headers_of(refusal)
    if is_api(request):
        body: dict = {"status_code": status, "detail": detail}
        if refusal.field:
            body["field"] = refusal.field
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    page = error_page(status, detail)
    page.headers.update(headers)
    return page


def headers_of(refusal: Refusal) -> dict[str, str]:
    """The headers a refusal's answer carries: a 429's Retry-After, where it is known."""
    wait = getattr(refusal, "retry_after", None)
    return {"retry-after": str(wait)} if wait else {}


EXCEPTION_HANDLERS = {HTTPException: error_response, Refusal: refusal_response,
                      Exception: error_response}
