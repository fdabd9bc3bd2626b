"""`registry verify`: a badge credential checked with nothing but the registry's public
keys and status lists, as files or fetched over HTTP(S). No database, no key of ours.

Only the issuer's own addresses are fetched (never a URL the credential could choose to
point elsewhere), and fetching a status list tells the registry nothing about which
badge is being checked.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry.badges import credentials, verification

MAX_DOWNLOAD = 1_000_000


class SourceError(Exception):
    """A key set or status list that cannot be read; the message says which and why."""


def read_source(source: str, *, what: str) -> str:
    """The text of a file, or of an http(s) URL."""
    if source.startswith(("https://", "http://")):
        try:
            # Only http(s), checked above.
            request = urllib.request.Request(  # noqa: S310
                source, headers={"User-Agent": "registry-verify"})
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                return response.read(MAX_DOWNLOAD).decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"cannot fetch the {what} from {source}: {error}") from error
    try:
        return Path(source).read_text(encoding="utf-8")[:MAX_DOWNLOAD]
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read the {what} from {source}: {error}") from error


def _purpose_of(token: str) -> str | None:
    try:
        body = token.strip().split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return str(payload["credentialSubject"]["statusPurpose"])
    except (IndexError, ValueError, KeyError, TypeError, RecursionError):
        return None


def verify(token: str, *, issuer: str, jwks_source: str | None = None,
           status_sources: tuple[str, ...] = (), now: datetime | None = None,
           fetch: Callable[..., str] = read_source) -> verification.Result:
    now = now or datetime.now(UTC)
    issuer = credentials.issuer_id(issuer)
    jwks_text = fetch(jwks_source or f"{issuer}/.well-known/jwks.json", what="key set (JWKS)")
    try:
        jwks: dict[str, Any] = json.loads(jwks_text)
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise ValueError
    except (ValueError, RecursionError) as error:
        raise SourceError("the key set is not a JWKS (a JSON object with \"keys\")") from error
    given = {}
    for source in status_sources:
        text = fetch(source, what="status list").strip()
        purpose = _purpose_of(text)
        if purpose is None:
            raise SourceError(f"{source} is not a status list credential")
        given[purpose] = text

    def lists(purpose: str, url: str) -> bytes | str:
        text = given.get(purpose)
        if text is None:
            if url != credentials.status_list_url(issuer, purpose):
                return f"the credential names {url}, which is not the issuer's {purpose} list"
            try:
                text = fetch(url, what="status list")
            except SourceError as error:
                return str(error)
        return verification.status_list_bits(text, jwks=jwks, issuer=issuer, purpose=purpose,
                                             url=url, now=now)

    return verification.verify(token, jwks=jwks, issuer=issuer, now=now, status_lists=lists)
