"""`registry verify`: a badge credential checked with nothing but the registry's public
keys and status lists, as files or fetched over HTTP(S). No database, no key of ours.

Only the issuer's own addresses are fetched (never a URL the credential could choose to
point elsewhere), and fetching a status list tells the registry nothing about which
badge is being checked.

A status list says what was true when it was signed: one downloaded before a revocation
still says "not revoked" for the week it stays valid. So each list's issue time is
given, and a list older than a maximum age (a day by default: the registry signs its
lists anew every six hours) is not used: the verdict is then unknown, not valid.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from registry.badges import credentials, verification

MAX_DOWNLOAD = 1_000_000
DEFAULT_MAX_AGE = timedelta(days=1)
# A list signed a little "later" than this computer's clock says is a difference of
# clocks; beyond that, it is not a list to trust.
CLOCK_SKEW = timedelta(minutes=5)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


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


def parse_duration(text: str) -> timedelta:
    """`90m`, `24h`, `1d`, `30s`, or a bare number of hours (`12`, `1.5`)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhms]?)\s*", text.lower())
    if found is None:
        raise ValueError(f"{text!r} is not a duration: give a number and a unit, such as "
                         "90m, 24h or 2d (a bare number is hours)")
    duration = timedelta(**{_UNITS[found[2] or "h"]: float(found[1])})
    if duration <= timedelta(0):
        raise ValueError("the maximum age must be more than zero")
    return duration


def span(duration: timedelta) -> str:
    """A length of time for a person: its two largest units (`2 d 3 h`, `5 min`)."""
    seconds = int(abs(duration.total_seconds()))
    units = (("d", seconds // 86400), ("h", seconds % 86400 // 3600),
             ("min", seconds % 3600 // 60))
    shown = [f"{count} {unit}" for unit, count in units if count]
    return " ".join(shown[:2]) if shown else f"{seconds} s"


@dataclass(frozen=True)
class UsedList:
    """A status list a verdict rests on: when it was issued, and why it was not used."""

    purpose: str
    url: str
    issued: datetime | None
    age: timedelta | None  # negative: issued after now
    problem: str | None = None

    @property
    def future(self) -> bool:
        return self.age is not None and self.age < timedelta(0)


@dataclass
class Verdict:
    result: verification.Result
    lists: list[UsedList] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.result.valid and not any(used.problem for used in self.lists)

    @property
    def unknown(self) -> bool:
        """Nothing failed but the status checks a list too old (or too new) kept from
        being made: the credential may well be valid, or revoked since."""
        stale = {used.purpose for used in self.lists if used.problem}
        failed = {check.name for check in self.result.checks if not check.ok}
        return bool(stale) and failed <= stale


def _issued_at(token: str) -> datetime | None:
    """When a (verified) status list credential was signed: validFrom, else iat."""
    try:
        payload = verification._b64json(token.strip().split(".")[1])
        if "validFrom" in payload:
            return verification.when(payload["validFrom"])
        return datetime.fromtimestamp(int(payload["iat"]), UTC)
    except (IndexError, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return None


def _freshness(purpose: str, url: str, token: str, *, now: datetime,
               max_age: timedelta) -> UsedList:
    issued = _issued_at(token)
    if issued is None:
        return UsedList(purpose, url, None, None,
                        "the status list does not say when it was issued")
    age = now - issued
    if age > max_age:
        problem = (f"the status list was issued at {issued.isoformat()}, {span(age)} ago, "
                   f"longer than the maximum age of {span(max_age)}: fetch a fresh one "
                   f"from {url} (or allow an older one with --max-age)")
    elif -age > CLOCK_SKEW:
        problem = (f"the status list says it was issued at {issued.isoformat()}, "
                   f"{span(age)} from now: check this computer's clock, or fetch the list "
                   f"again from {url}")
    else:
        problem = None
    return UsedList(purpose, url, issued, age, problem)


def _purpose_of(token: str) -> str | None:
    try:
        payload = verification._b64json(token.strip().split(".")[1])
        return str(payload["credentialSubject"]["statusPurpose"])
    except (IndexError, ValueError, KeyError, TypeError, RecursionError):
        return None


def verify(token: str, *, issuer: str, jwks_source: str | None = None,
           status_sources: tuple[str, ...] = (), now: datetime | None = None,
           max_age: timedelta = DEFAULT_MAX_AGE,
           fetch: Callable[..., str] = read_source) -> Verdict:
    """Every check of the credential, and each status list it was checked against (one
    older than `max_age`, or from the future, is not used)."""
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
    used: list[UsedList] = []

    def lists(purpose: str, url: str) -> bytes | str:
        text = given.get(purpose)
        if text is None:
            if url != credentials.status_list_url(issuer, purpose):
                return f"the credential names {url}, which is not the issuer's {purpose} list"
            try:
                text = fetch(url, what="status list")
            except SourceError as error:
                return str(error)
        bits = verification.status_list_bits(text, jwks=jwks, issuer=issuer, purpose=purpose,
                                             url=url, now=now)
        if isinstance(bits, str):
            return bits
        used.append(_freshness(purpose, url, text, now=now, max_age=max_age))
        return used[-1].problem or bits

    result = verification.verify(token, jwks=jwks, issuer=issuer, now=now, status_lists=lists)
    return Verdict(result, used)
