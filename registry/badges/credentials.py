"""The badge credential and the status list credentials: W3C Verifiable Credentials 2.0
secured as compact JWS per VC-JOSE-COSE (`typ: vc+jwt`, `cty: vc`, `alg: ES256`, `kid`),
signed with python-jose.

The payload is the credential itself. The JWT claims that VC-JOSE-COSE allows beside it
(`iss`, `sub`, `iat`, `nbf`, `exp`, `jti`) repeat its properties and never contradict
them, so that any JWT library can check the dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jose import jws

from registry.keys.signing import ALGORITHM, SigningKeys

TYP = "vc+jwt"
CTY = "vc"
MEDIA_TYPE = "application/vc+jwt"
CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "PrinciplesAccessionCredential"
PURPOSES = ("revocation", "suspension")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id(base_url: str) -> str:
    return base_url.rstrip("/")


def status_list_url(base_url: str, purpose: str) -> str:
    return f"{issuer_id(base_url)}/status/{purpose}"


@dataclass(frozen=True)
class Subject:
    signatory_id: str
    name: str | None  # None for unlisted signatories: the id only
    listed: bool
    version: str
    version_sha256: str
    acceded_on: str  # YYYY-MM-DD


def badge_credential(*, base_url: str, badge_id: str, subject: Subject,
                     indexes: dict[str, int], valid_from: datetime,
                     valid_until: datetime) -> dict[str, Any]:
    issuer = issuer_id(base_url)
    credential_subject: dict[str, Any] = {
        "type": "PrinciplesSignatory",
        "signatoryId": subject.signatory_id,
        "principles": {"version": subject.version, "sha256": subject.version_sha256,
                       "url": f"{issuer}/principles/{subject.version}"},
        "accededOn": subject.acceded_on,
    }
    if subject.listed:
        credential_subject["id"] = f"{issuer}/register/{subject.signatory_id}"
    if subject.name is not None:
        credential_subject["name"] = subject.name
    payload: dict[str, Any] = {
        "@context": [CONTEXT],
        "id": f"{issuer}/badges/{badge_id}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": issuer, "name": "Principles Registry"},
        "name": "Accession to the Principles of Human Rights Work in Belarus",
        "validFrom": iso(valid_from),
        "validUntil": iso(valid_until),
        "credentialSubject": credential_subject,
        "credentialStatus": [{
            "id": f"{status_list_url(base_url, purpose)}#{indexes[purpose]}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(indexes[purpose]),
            "statusListCredential": status_list_url(base_url, purpose),
        } for purpose in PURPOSES],
        # The same facts as JWT claims.
        "iss": issuer,
        "jti": f"{issuer}/badges/{badge_id}",
        "iat": int(valid_from.timestamp()),
        "nbf": int(valid_from.timestamp()),
        "exp": int(valid_until.timestamp()),
    }
    if subject.listed:
        payload["sub"] = credential_subject["id"]
    return payload


def status_list_credential(*, base_url: str, purpose: str, encoded: str,
                           valid_from: datetime, valid_until: datetime) -> dict[str, Any]:
    issuer, url = issuer_id(base_url), status_list_url(base_url, purpose)
    return {
        "@context": [CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer, "name": "Principles Registry"},
        "validFrom": iso(valid_from),
        "validUntil": iso(valid_until),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": purpose, "encodedList": encoded},
        "iss": issuer,
        "iat": int(valid_from.timestamp()),
        "nbf": int(valid_from.timestamp()),
        "exp": int(valid_until.timestamp()),
    }


def sign(keys: SigningKeys, payload: dict[str, Any]) -> tuple[str, str]:
    """The compact JWS and the kid that signed it."""
    key = keys.active()
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    token = jws.sign(body, key.private, algorithm=ALGORITHM,
                     headers={"kid": key.kid, "typ": TYP, "cty": CTY})
    return token, key.kid
