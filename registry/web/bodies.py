"""Request bodies that cannot be decoded are refused in words (400, or 413 when too large)
before anything tries to decode them: never a 500, whatever the route.

Litestar decodes a body only when the handler asks for it, and a body nested deeply
enough (`[[[[...`) overflows the decoder's recursion: a 500. So every request that sends
a body has it checked first, against what it says it is (its content type) and against
what its route takes (JSON, or a form): JSON must be UTF-8, well formed and nested at
most MAX_DEPTH deep; a form must be what browsers send (application/x-www-form-urlencoded,
percent-encoded, UTF-8); a body must not be empty when its content type announces one.

This runs as the app's `before_request` hook: after CSRF and the guards, inside the
route's own error handling, so the refusal is a page in the reader's language (or JSON
under /api/). A layer that sets a `before_request` of its own must call `check_body`.
"""

from __future__ import annotations

import math
import re
from itertools import accumulate
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from registry.web.i18n import N_

METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Far deeper than anything the registry takes (an applicant's JWK is 2 levels deep), far
# shallower than what would overflow a decoder.
MAX_DEPTH = 32
JSON, FORM, MULTIPART = "json", "form", "multipart"

TOO_LARGE = N_("The body of the request is larger than this address accepts.")
EMPTY = N_("The body of the request is empty.")
NOT_UTF8 = N_("The body of the request is not UTF-8 text.")
NOT_JSON = N_("The body of the request is not valid JSON.")
TOO_DEEP = N_("The body of the request is nested too deeply.")
NOT_FORM = N_("The body of the request is not a form (application/x-www-form-urlencoded).")
NOT_MULTIPART = N_("The body of the request is not a valid multipart form.")
WANTS_JSON = N_("This address takes a JSON document (application/json).")
WANTS_FORM = N_("This address takes a form (application/x-www-form-urlencoded).")

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Brackets only, each as 1 (opening) or 2 (closing): everything else is deleted.
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))
_STEP = (0, 1, -1)
# What an HTML form sends: percent-encoded bytes and the characters left as they are.
_FORM = re.compile(rb"(?:[A-Za-z0-9\-._~!$'()*+,;:@/?=&]|%[0-9A-Fa-f]{2})*")


_TAKES: dict[Any, str] = {RequestEncodingType.URL_ENCODED: FORM,
                          RequestEncodingType.MULTI_PART: MULTIPART}


def _kind(content_type: str) -> str | None:
    if content_type == "application/json" or content_type.endswith("+json"):
        return JSON
    if content_type == RequestEncodingType.URL_ENCODED:
        return FORM
    if content_type == RequestEncodingType.MULTI_PART:
        return MULTIPART
    return None


def takes(handler: Any) -> str | None:
    """What a route handler decodes its body as: JSON, a form, multipart, or nothing."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    media_type = getattr(data.kwarg_definition, "media_type", None)
    return _TAKES.get(media_type, JSON)


def nested_deeper_than(body: bytes, depth: int) -> bool:
    """Whether JSON text opens more than `depth` arrays or objects at once (brackets in
    strings do not count). Linear, and no recursion whatever the input."""
    brackets = _STRING.sub(b"", body).translate(_BRACKETS, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > depth


def _check_json(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise ClientException(NOT_UTF8) from None
    if nested_deeper_than(body, MAX_DEPTH):
        raise ClientException(TOO_DEEP)
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise ClientException(NOT_JSON) from None


def _check_form(body: bytes) -> None:
    if not _FORM.fullmatch(body):
        raise ClientException(NOT_FORM)
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ClientException(NOT_UTF8) from None


def _check_multipart(body: bytes, options: dict[str, str]) -> None:
    boundary = options.get("boundary", "").encode("latin-1")
    if not boundary or not body.startswith(b"--" + boundary) or (
            b"--" + boundary + b"--") not in body:
        raise ClientException(NOT_MULTIPART)


async def _check_parsed_multipart(request: Request) -> None:
    try:
        form = await request.form()
    except RequestEntityTooLarge:
        raise HTTPException(status_code=413, detail=TOO_LARGE) from None
    except (ValueError, UnicodeDecodeError, KeyError):
        raise ClientException(NOT_MULTIPART) from None
    if not form:
        raise ClientException(NOT_MULTIPART)


async def _read(request: Request) -> bytes:
    try:
        return await request.body()
    except RequestEntityTooLarge:
        raise HTTPException(status_code=413, detail=TOO_LARGE) from None


async def check_body(request: Request) -> None:
    """Refuse, in words, a body that cannot be decoded as what it says it is, or as what
    its route takes. Bodies that pass are read once; the handler reads the same bytes."""
    if request.method not in METHODS:
        return
    limit = request.route_handler.resolve_request_max_body_size() or math.inf
    if (request.content_length or 0) > limit:
        raise HTTPException(status_code=413, detail=TOO_LARGE)
    content_type, options = request.content_type
    declared, wanted = _kind(content_type), takes(request.route_handler)
    if declared == MULTIPART and wanted == MULTIPART:
        # The CSRF check may have streamed a multipart body already (it keeps the parsed
        # form, not the bytes): let Litestar's parser, which reuses its parse, say.
        await _check_parsed_multipart(request)
        return
    body = await _read(request)
    if not body:
        if declared or wanted:
            raise ClientException(EMPTY)
        return
    if wanted == JSON and declared in (FORM, MULTIPART):
        raise ClientException(WANTS_JSON)
    if wanted in (FORM, MULTIPART) and declared not in (FORM, MULTIPART):
        raise ClientException(WANTS_FORM)
    if wanted == FORM and declared == MULTIPART:
        raise ClientException(WANTS_FORM)
    if declared == JSON or (declared is None and wanted == JSON):
        _check_json(body)
    elif declared == FORM:
        _check_form(body)
    elif declared == MULTIPART:
        _check_multipart(body, options)
