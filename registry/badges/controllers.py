"""HTTP for badges: the images, the status lists, the public keys, verification pages
and the API. Everything here is public and cookie-free; what other sites embed or fetch
(images, lists, keys, the API) may be fetched from any origin."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse
from pydantic import BaseModel, Field, model_validator

from registry import formats, keys
from registry.badges import credentials, services, verification
from registry.changes import counters
from registry.validation import Form
from registry.web import errors, kept_answers
from registry.web.i18n import N_, current
from registry.web.i18n import gettext as _

SHARED = {"access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin"}
IMAGE_MAX_AGE = 60
BADGE_ID = r"^[A-Za-z0-9_-]{1,40}$"
ID = Annotated[str, Parameter(max_length=40)]


def _not_found() -> NotFoundException:
    return NotFoundException(_("There is no badge at this address."))


def _matches(wanted: str, etag: str) -> bool:
    """Whether an If-None-Match header's value names `etag` (or any)."""
    return wanted.strip() == "*" or etag in [t.strip().removeprefix("W/")
                                             for t in wanted.split(",")]


def _cached(if_none_match: str, body: bytes | str, *, etag: str, media_type: str,
            max_age: int, headers: dict[str, str] | None = None) -> ASGIResponse:
    """A cacheable response, or 304 when the client has it. Built as the ASGI response
    directly: these are the hottest routes, embedded on other sites."""
    headers = {**SHARED, **(headers or {}), "etag": etag,
               "cache-control": f"public, max-age={max_age}"}
    if _matches(if_none_match, etag):
        return ASGIResponse(status_code=304, headers=headers)
    return ASGIResponse(body=body, media_type=media_type, headers=headers)


def image_response(found: services.Images, kind: str, if_none_match: str) -> ASGIResponse:
    """A badge image (`kind` svg or png) as this route answers it, and as
    registry/web/fast.py answers it before any routing."""
    return _cached(if_none_match, found.svg if kind == "svg" else found.png,
                   etag=f'"{found.etag}-{kind}"', max_age=IMAGE_MAX_AGE,
                   media_type="image/svg+xml" if kind == "svg" else "image/png",
                   headers={"content-language": found.language})


@get("/badges/{name:str}", tags=["badges"], cache_control=None,
     responses=errors.answers(304, 404, page=True))
async def badge_image(name: Annotated[str, Parameter(max_length=60)], request: Request,
                      lang: Annotated[str | None, QueryParameter(
                          name="lang", required=False,
                          description="The image's language: `en` (the default), `be` or "
                          "`ru`. Any other value is English.")] = None) -> ASGIResponse:
    """The badge image, `{badge_id}.svg` or `{badge_id}.png`, in the language `?lang=`
    names (English by default): cacheable (ETag, 60 s). The language comes from the
    address only, never from the reader's browser or cookie: a shared cache may give the
    same image to anyone who asks for that address."""
    badge_id, _dot, kind = name.rpartition(".")
    if kind not in ("svg", "png") or not badge_id:
        raise _not_found()
    found = await services.badge_images(badge_id, request.app.state.settings, lang or "")
    if found is None:
        raise _not_found()
    return image_response(found, kind, request.headers.get("if-none-match", ""))


@get("/status/{purpose:str}", tags=["badges"], responses=errors.answers(304, 404, page=True))
async def status_list(purpose: Annotated[str, Parameter(max_length=20)], request: Request,
                      state: State) -> ASGIResponse:
    """A Bitstring Status List credential (`revocation` or `suspension`), signed."""
    found = await services.status_list(purpose, state.settings)
    if found is None:
        raise NotFoundException(_("There is no status list at this address."))
    return _cached(request.headers.get("if-none-match", ""), found.credential,
                   etag=f'"{found.etag}"', media_type=credentials.MEDIA_TYPE, max_age=300)


@get("/.well-known/jwks.json", tags=["keys"], media_type="application/jwk-set+json",
     cache_control=CacheControlHeader(max_age=300, public=True))
async def jwks(state: State) -> Response:
    """Every public key still needed: the one that signs, and each that signed something
    still valid (never a private part)."""
    return Response({"keys": await services.published_keys(settings=state.settings)},
                    media_type="application/jwk-set+json", headers=SHARED)


@get("/.well-known/retired-keys.json", tags=["keys"], media_type="application/jwk-set+json",
     cache_control=CacheControlHeader(max_age=300, public=True))
async def retired_keys() -> Response:
    """Keys that no longer sign and whose credentials have all expired. Not for badges
    (a badge signed by one of these is not valid); they stay published so that accession
    receipts signed before a rotation can still be checked."""
    published = {key["kid"] for key in await services.published_keys()}  # uncached: rare
    retired = [key.public_jwk() for key in keys.keyring().signing.all()
               if key.kid not in published]
    return Response({"keys": retired}, media_type="application/jwk-set+json", headers=SHARED)


# --- Verification ----------------------------------------------------------------------

class CheckOut(BaseModel):
    name: str
    ok: bool | None
    reason: str


class VerifyRequest(Form):
    # Constraints on the field (not inside the union): the API's schema shows them.
    credential: str | None = Field(default=None, max_length=verification.MAX_LENGTH,
                                   description="A badge credential (compact JWS).")
    badge_id: str | None = Field(default=None, max_length=40, pattern=BADGE_ID,
                                 json_schema_extra={"pattern": BADGE_ID},
                                 description="Or a badge id: its current credential is "
                                 "checked.")

    @model_validator(mode="after")
    def _one_of_them(self) -> VerifyRequest:
        if not self.credential and not self.badge_id:
            raise ValueError(N_("Send a credential or a badge id."))
        return self


class VerifyResult(BaseModel):
    valid: bool
    checks: list[CheckOut]
    badge_id: str | None
    status: str | None = Field(description="The accession's status now, as the registry "
                               "holds it.")
    suspended_until: datetime | None = Field(
        default=None, description="While suspended: when the suspension ends.")
    credential: dict[str, Any] | None = Field(description="What the credential states "
                                              "(only once its signature holds).")


class BadgeOut(BaseModel):
    badge_id: str
    status: str
    credential: str
    issued_at: datetime
    valid_until: datetime
    signatory_url: str | None
    verify_url: str
    images: dict[str, str] = Field(description="The images, in English.")
    images_by_language: dict[str, dict[str, str]] = Field(
        description="The images in each language (`?lang=en`, `be`, `ru`).")
    status_list_entries: dict[str, int]


def _checks(result: verification.Result, *, page: bool = False) -> list[CheckOut]:
    """Each check's reason in the reader's language. On a page, a status is said in its
    words and a moment as the language writes it; the API keeps its values as they
    were (codes, ISO 8601)."""
    return [CheckOut(name=c.name, ok=c.ok, reason=_(c.reason) % (
        {key: formats.shown(value) for key, value in {**c.values, **c.shown}.items()}
        if page else c.values) if c.values else _(c.reason)) for c in result.checks]


async def _verify(request: VerifyRequest, state: State) -> services.Verified:
    token = request.credential
    if not token and request.badge_id:
        record = await services.find(request.badge_id.strip())
        if record is None:
            raise _not_found()
        token = record.credential
    return await services.verify_online(token or "", state.settings)


KEEP_VERDICT_SECONDS = 10.0


def _unchanged_for(result: verification.Result) -> float:
    """How long a verdict may be given again unchanged: until the credential's validity
    begins or ends (whichever is next), at most KEEP_VERDICT_SECONDS. Every public fact
    of a signatory (a status, a suspension's end), a key or a list moves the badges'
    counter, which ends it at once."""
    seconds = KEEP_VERDICT_SECONDS
    now = datetime.now(UTC)
    for name in ("validFrom", "validUntil"):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            moment = verification.when((result.credential or {})[name])
            if moment > now:
                seconds = min(seconds, (moment - now).total_seconds())
    return seconds


def _words() -> dict[str, Any]:
    return {"check_words": {k: _(v) for k, v in verification.CHECK_WORDS.items()}}


def _result(verified: services.Verified) -> VerifyResult:
    return VerifyResult(valid=verified.result.valid, checks=_checks(verified.result),
                        badge_id=verified.badge_id, status=verified.status,
                        suspended_until=verified.suspended_until,
                        credential=verified.result.credential)


class VerifyApi(Controller):
    path = "/api/v1"
    tags = ["badges"]  # noqa: RUF012 - Litestar reads this class attribute as it is

    @post("/verify", status_code=200, response_headers={"access-control-allow-origin": "*"},
          responses=errors.answers(404, 413))
    async def verify(self, data: Annotated[VerifyRequest, Body()], state: State,
                     request: Request) -> VerifyResult:
        """Check a credential (or a badge's current one): every check and its reason.
        `valid` is true only when all of them hold."""
        value = await counters.current(services.CHANGES)
        verified = await _verify(data, state)
        kept_answers.keep(request.scope, counter=services.CHANGES, value=value,
                  seconds=_unchanged_for(verified.result))
        return _result(verified)

    @get("/badges/{badge_id:str}", response_headers={"access-control-allow-origin": "*"},
         responses=errors.answers(404))
    async def badge(self, badge_id: ID, state: State) -> BadgeOut:
        """A badge: its current credential and the accession's status now."""
        record = await services.find(badge_id)
        if record is None:
            raise _not_found()
        base = credentials.issuer_id(state.settings.base_url)
        return BadgeOut(
            badge_id=record.badge_id, status=record.status, credential=record.credential,
            issued_at=record.issued_at, valid_until=record.valid_until,
            signatory_url=f"{base}/register/{record.signatory_id}" if record.listed else None,
            verify_url=services.verify_url(state.settings, record.badge_id),
            images={kind: base + services.image_path(record.badge_id, kind)
                    for kind in ("svg", "png")},
            images_by_language=services.image_urls(state.settings, record.badge_id),
            status_list_entries={"revocation": record.revocation_index,
                                 "suspension": record.suspension_index})


class VerifyPages(Controller):
    path = "/verify"
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/")
    async def form(self, badge: Annotated[str | None, QueryParameter(name="badge",
                                                                     max_length=40)] = None
                   ) -> Template | Redirect:
        if badge:
            badge = badge.strip()
            if not re.fullmatch(BADGE_ID, badge):
                return Template("verify/index.html", status_code=400, context={
                    "verified": None, **_words(), "badge": badge,
                    "errors": {"badge": _("A badge id has only letters, digits, - and _.")}})
            return Redirect(f"/verify/{badge}", status_code=303)
        return Template("verify/index.html", context={"verified": None, "errors": {},
                                                      **_words()})

    @post("/")
    async def check(self, state: State, data: Annotated[
            dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
        token = str(data.get("credential", "")).strip()
        if not token:
            return Template("verify/index.html", status_code=400, context={
                "verified": None, **_words(),
                "errors": {"credential": _("Paste a credential, or type a badge id.")}})
        verified = await services.verify_online(token[:verification.MAX_LENGTH + 1],
                                                state.settings)
        return Template("verify/index.html", context={
            "verified": verified, "checks": _checks(verified.result, page=True), "errors": {},
            **_words()})

    @get("/{badge_id:str}")
    async def badge(self, badge_id: ID, state: State) -> Template:
        record = await services.find(badge_id)
        if record is None:
            raise _not_found()
        verified = await services.verify_online(record.credential, state.settings)
        base = credentials.issuer_id(state.settings.base_url)
        return Template("verify/badge.html", context={
            "record": record, "verified": verified,
            "checks": _checks(verified.result, page=True),
            "image": services.image_path(record.badge_id, "svg", current()), "base": base,
            **_words()})
