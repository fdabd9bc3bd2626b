"""Errors in words a person understands: JSON under /api/, an HTML page elsewhere.

Never a stack trace, never a 500 for bad input; an unexpected error is logged with its
trace on the server and shown as a generic 500 with nothing from the request in it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template

from registry.web.i18n import gettext as _

log = logging.getLogger("registry.errors")


def N_(message: str) -> str:
    """Mark a string for the catalogues; it is translated later, when shown."""
    return message


# What a visitor is told, by status. Details from the exception are added where they
# are ours to give (we raise them with messages written for people).
PAGE_TITLES = {
    400: N_("Bad request"),
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
    403: N_("You are not allowed to do this."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What was sent is too large."),
    429: N_("Too many requests. Please wait a little and try again."),
    500: N_("Something went wrong on our side. It has been logged; please try again later."),
    503: N_("The registry is not ready to serve requests. Please try again later."),
}


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/schema") or path in (
        "/healthz", "/readyz")


def _status_of(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, HTTPException) else 500


def error_response(request: Request, exc: Exception) -> Response:
    status = _status_of(exc)
    if status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path,
                      exc_info=exc)
    # 503s are ours (readiness says why); other 5xx details may describe internals.
    shown = status < 500 or status == 503
    detail = exc.detail if isinstance(exc, HTTPException) and shown else ""
    if is_api(request):
        body: dict = {"status_code": status, "detail": detail or PAGE_MESSAGES.get(
            status, HTTPStatus(status).phrase)}
        if isinstance(exc, ValidationException):
            # Litestar's own message repeats the whole path, however long: say it plainly.
            body["detail"] = "The request is not valid: see `errors` for what is wrong."
            body["errors"] = exc.extra or []
        return Response(body, status_code=status, media_type=MediaType.JSON,
                        headers=getattr(exc, "headers", None))
    # Litestar's own messages for routing and validation failures mention internals
    # ("Validation failed for GET /x"); pages show ours instead.
    if isinstance(exc, ValidationException) or detail == HTTPStatus(status).phrase:
        detail = ""
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
    )


EXCEPTION_HANDLERS = {HTTPException: error_response, Exception: error_response}
