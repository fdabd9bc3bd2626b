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

# What a visitor is told, by status. Details from the exception are added where they
# are ours to give (we raise them with messages written for people).
PAGE_MESSAGES = {
    400: "The request was not understood. Check the address or the form and try again.",
    403: "You are not allowed to do this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "What was sent is too large.",
    429: "Too many requests. Please wait a little and try again.",
    500: "Something went wrong on our side. It has been logged; please try again later.",
    503: "The registry is not ready to serve requests. Please try again later.",
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
        if isinstance(exc, ValidationException) and exc.extra:
            body["errors"] = exc.extra
        return Response(body, status_code=status, media_type=MediaType.JSON,
                        headers=getattr(exc, "headers", None))
    # Litestar's own messages for routing and validation failures mention internals
    # ("Validation failed for GET /x"); pages show ours instead.
    if isinstance(exc, ValidationException) or detail == HTTPStatus(status).phrase:
        detail = ""
    return Template(
        template_name="errors/error.html",
        context={
            "status": status,
            "title": _(HTTPStatus(status).phrase) if status in HTTPStatus._value2member_map_
            else _("Error"),
            "message": _(PAGE_MESSAGES.get(status, PAGE_MESSAGES[400 if status < 500 else 500])),
            "detail": detail,
        },
        status_code=status,
        media_type=MediaType.HTML,
    )


EXCEPTION_HANDLERS = {HTTPException: error_response, Exception: error_response}
