"""Checking a badge credential, the same way online (`/verify`, `POST /api/v1/verify`)
and offline (`registry verify`): every check named, with its reason in words.

Nothing here reads the database: the caller passes the public keys (a JWKS), the status
lists (as their signed credentials, or as trusted bitstrings) and, online, the live
status. Only ES256 is accepted, from a key the JWKS names by `kid`; a credential says
which key signed it but never gets to choose the algorithm.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jose import jwk, jws
from jose.exceptions import JOSEError

from registry.badges import bitstring
from registry.badges.credentials import CREDENTIAL_TYPE, CTY, PURPOSES, TYP, issuer_id
from registry.keys.signing import ALGORITHM
from registry.refusals import Words
from registry.translation import N_

MAX_LENGTH = 20_000  # a badge credential is about 1.5 kB; refuse anything far larger


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not checked, because an earlier check failed
    reason: str  # English, with %(...)s placeholders filled from `values`
    values: dict[str, str] = field(default_factory=dict)  # as machines read them (ISO)
    # The same values for a person, where they differ: a moment to write in the reader's
    # language, a status in words (pages say these; the API and the command line do not).
    shown: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.reason % self.values if self.values else self.reason


@dataclass
class Result:
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    header: dict[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool | None, reason: str, **values: Any) -> bool:
        self.checks.append(Check(name, ok, reason, {
            k: v.isoformat() if isinstance(v, datetime) else str(v) for k, v in values.items()
        }, {k: v for k, v in values.items() if isinstance(v, datetime | Words)}))
        return bool(ok)

    def skip(self, *names: str) -> None:
        for name in names:
            self.add(name, None, N_("Not checked, because an earlier check failed."))


# Every check, in order; a failed one leaves the rest unchecked.
CHECKS = ("format", "algorithm", "key", "signature", "type", "issuer", "not_before",
          "expiry", "revocation", "suspension")


CHECK_WORDS = {
    "format": N_("Format"), "algorithm": N_("Algorithm"), "key": N_("Key"),
    "signature": N_("Signature"), "type": N_("Kind"), "issuer": N_("Issuer"),
    "not_before": N_("Valid from"), "expiry": N_("Expiry"), "revocation": N_("Revocation"),
    "suspension": N_("Suspension"), "status": N_("Status now"),
}


def _b64json(part: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def when(value: Any) -> datetime:
    """A moment a credential states (ISO 8601, `Z` for UTC), in UTC."""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


_SIGNED_KEPT = 512
_signed: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()


def _signed_payload(token: str, key_json: str) -> bytes | None:
    """The payload of a compact JWS whose ES256 signature `key_json` (a public JWK)
    makes, or None. Those that hold are kept for the last few hundred pairs (by the
    token's digest: a forged one is never kept, so nobody can fill the memory with
    them): the signature of one credential under one key never changes, and checking
    it is most of what a verification costs."""
    key = (hashlib.sha256(token.encode()).digest(), key_json)
    found = _signed.get(key)
    if found is not None:
        return found
    try:
        public = jwk.construct({k: v for k, v in json.loads(key_json).items() if k != "use"},
                               ALGORITHM)
        payload = bytes(jws.verify(token, public, algorithms=[ALGORITHM]))
    except (JOSEError, ValueError, TypeError, RecursionError):
        return None
    _signed[key] = payload
    while len(_signed) > _SIGNED_KEPT:
        _signed.popitem(last=False)
    return payload


def _payload(token: str, key_data: dict[str, Any]) -> dict[str, Any]:
    """The signed payload, a JSON object; ValueError if the signature or the payload
    is not right."""
    signed = _signed_payload(token, json.dumps(key_data, sort_keys=True))
    if signed is None:
        raise ValueError("the signature does not hold")
    payload = json.loads(signed)
    if not isinstance(payload, dict):
        raise ValueError("the payload is not a JSON object")
    return payload


# A status list lookup: purpose, the credential's statusListCredential URL -> bitstring,
# or a reason in words why it cannot be had.
StatusLists = Callable[[str, str], "bytes | str"]


def verify(token: str, *, jwks: dict[str, Any], issuer: str, now: datetime,
           status_lists: StatusLists) -> Result:
    """Every check of a badge credential; `result.valid` only if all of them hold."""
    result = Result()
    token = token.strip()
    parts = token.split(".")
    try:
        # The signature part may be empty (alg "none"): the algorithm check names that.
        if len(token) > MAX_LENGTH or len(parts) != 3 or not all(parts[:2]):
            raise ValueError
        header = _b64json(parts[0])
        _b64json(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        result.add("format", False, N_("This is not a credential: a compact JWS has three "
                                       "base64url parts separated by dots."))
        result.skip(*CHECKS[1:])
        return result
    result.header = header
    if header.get("typ") != TYP or header.get("cty") != CTY:
        result.add("format", False, N_("The header must say typ %(typ)s and cty %(cty)s; it "
                                       "says typ %(got_typ)s and cty %(got_cty)s."),
                   typ=TYP, cty=CTY, got_typ=header.get("typ"), got_cty=header.get("cty"))
        result.skip(*CHECKS[1:])
        return result
    result.add("format", True, N_("A compact JWS with typ %(typ)s and cty %(cty)s."),
               typ=TYP, cty=CTY)

    alg = header.get("alg")
    if not result.add("algorithm", alg == ALGORITHM,
                      N_("Signed with ES256.") if alg == ALGORITHM else
                      N_("The algorithm is %(alg)s; only ES256 is accepted."), alg=alg):
        result.skip(*CHECKS[2:])
        return result

    kid = header.get("kid")
    key_data = next((k for k in jwks.get("keys", []) if isinstance(k, dict)
                     and k.get("kid") == kid), None) if isinstance(kid, str) else None
    if key_data is None or key_data.get("kty") != "EC" or key_data.get("crv") != "P-256" or (
            "d" in key_data):
        result.add("key", False, N_("The key %(kid)s is not one of the registry's published "
                                    "keys."), kid=kid)
        result.skip(*CHECKS[3:])
        return result
    result.add("key", True, N_("Key %(kid)s is one of the registry's published keys."),
               kid=kid)

    try:
        payload = _payload(token, key_data)
    except (ValueError, RecursionError):
        result.add("signature", False, N_("The signature does not match the content: the "
                                          "credential was altered or not made by this key."))
        result.skip(*CHECKS[4:])
        return result
    result.add("signature", True, N_("The signature holds."))
    result.credential = payload

    types = payload.get("type") or []
    if not (isinstance(types, list) and "VerifiableCredential" in types
            and CREDENTIAL_TYPE in types):
        result.add("type", False, N_("This is not a badge credential of the registry."))
        result.skip(*CHECKS[5:])
        return result
    result.add("type", True, N_("A badge credential (%(type)s)."), type=CREDENTIAL_TYPE)

    stated = payload.get("issuer")
    stated_id = stated.get("id") if isinstance(stated, dict) else stated
    expected = issuer_id(issuer)
    if not result.add("issuer", stated_id == expected and payload.get("iss") == expected,
                      N_("Issued by %(issuer)s.") if stated_id == expected else
                      N_("Issued by %(stated)s, not by %(issuer)s."),
                      issuer=expected, stated=stated_id):
        result.skip(*CHECKS[6:])
        return result

    try:
        valid_from, valid_until = when(payload["validFrom"]), when(payload["validUntil"])
    except (KeyError, ValueError, TypeError):
        result.add("not_before", False, N_("The credential does not say when it is valid."))
        result.skip(*CHECKS[7:])
        return result
    if not result.add("not_before", valid_from <= now,
                      N_("Valid from %(from)s.") if valid_from <= now else
                      N_("Not valid yet: only from %(from)s."), **{"from": valid_from}):
        result.skip(*CHECKS[7:])
        return result
    if not result.add("expiry", now < valid_until,
                      N_("Valid until %(until)s.") if now < valid_until else
                      N_("Expired on %(until)s."), until=valid_until):
        result.skip(*CHECKS[8:])
        return result

    entries = payload.get("credentialStatus") or []
    for purpose in PURPOSES:
        entry = next((e for e in entries if isinstance(e, dict)
                      and e.get("statusPurpose") == purpose), None) if isinstance(
            entries, list) else None
        _check_status(result, purpose, entry, status_lists)
    return result


def _check_status(result: Result, purpose: str, entry: dict | None,
                  status_lists: StatusLists) -> None:
    if entry is None:
        result.add(purpose, False, N_("The credential has no %(purpose)s status entry."),
                   purpose=purpose)
        return
    try:
        index = int(entry["statusListIndex"])
        url = str(entry["statusListCredential"])
    except (KeyError, ValueError, TypeError):
        result.add(purpose, False, N_("The %(purpose)s status entry is malformed."),
                   purpose=purpose)
        return
    bits = status_lists(purpose, url)
    if isinstance(bits, str):
        result.add(purpose, False, N_("The %(purpose)s status could not be checked: "
                                      "%(why)s"), purpose=purpose, why=bits)
        return
    try:
        flagged = bitstring.is_set(bits, index)
    except bitstring.BadList as problem:
        result.add(purpose, False, N_("The %(purpose)s status could not be checked: "
                                      "%(why)s"), purpose=purpose, why=str(problem))
        return
    if purpose == "revocation":
        result.add(purpose, not flagged, N_("Revoked: the status list says so.") if flagged
                   else N_("Not revoked."))
    else:
        result.add(purpose, not flagged, N_("Suspended: the status list says so.") if flagged
                   else N_("Not suspended."))


def status_list_bits(token: str, *, jwks: dict[str, Any], issuer: str, purpose: str,
                     url: str, now: datetime) -> bytes | str:
    """The bitstring of a published status list credential, after checking that the
    registry signed it, that it is the list the entry names, and that it is current; or
    the reason it cannot be used."""
    token = token.strip()
    try:
        header = _b64json(token.split(".")[0])
    except (ValueError, binascii.Error, UnicodeDecodeError, IndexError, RecursionError):
        return "the status list is not a compact JWS"
    if header.get("alg") != ALGORITHM or header.get("typ") != TYP:
        return "the status list is not an ES256 vc+jwt"
    key_data = next((k for k in jwks.get("keys", []) if isinstance(k, dict)
                     and k.get("kid") == header.get("kid")), None)
    if key_data is None:
        return f"the status list is signed with an unknown key {header.get('kid')}"
    try:
        payload = _payload(token, key_data)
        subject = payload["credentialSubject"]
        stated = payload["issuer"]["id"] if isinstance(payload["issuer"], dict) else (
            payload["issuer"])
        valid_until = when(payload["validUntil"])
    except (JOSEError, ValueError, KeyError, TypeError, RecursionError):
        return "the status list's signature or content is not valid"
    if stated != issuer_id(issuer) or payload.get("id") != url:
        return f"the status list {payload.get('id')} is not {url} from {issuer_id(issuer)}"
    if subject.get("statusPurpose") != purpose:
        return f"the list at {url} is for {subject.get('statusPurpose')}, not {purpose}"
    if valid_until <= now:
        return f"the status list expired on {valid_until.isoformat()}"
    try:
        return bitstring.decode(str(subject.get("encodedList", "")))
    except bitstring.BadList as problem:
        return str(problem)
