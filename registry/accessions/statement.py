"""The accession statement as a canonical document, and the applicant's own signature.

The statement holds no server-made value (no id, no time of day): an applicant can
build the same bytes (or fetch them from the preview endpoint) and sign them with their
own key before submitting. Canonical JSON as for the Principles' texts (RFC 8785 here).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

from jose import jwk, jws
from jose.exceptions import JOSEError

from registry.accessions.schemas import AccessionForm, Kind
from registry.canonical import canonical_json
from registry.refusals import Invalid
from registry.translation import N_

FORMAT = "principles-registry/accession-statement/1"
# Algorithms an applicant may sign with: asymmetric only (no "none", no HMAC).
APPLICANT_ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512")
MIN_RSA_BITS = 2048
KEY = "applicant_jwk"  # the answer that holds the applicant's public key


class SignatureProblem(Invalid):
    """The applicant's key or signature is not acceptable: words for people (N_), at the
    answer at fault (the key or the signature)."""

    def __init__(self, message: str, *, field: str = "applicant_signature",
                 **values: object) -> None:
        super().__init__(message, field=field, **values)


def statement_text(form: AccessionForm, version: str, version_hash: str) -> str:
    who = ("I, {name}," if form.kind == Kind.individual
           else "We, {name}, represented by {rep} ({role}),").format(
        name=form.public_name if form.kind == Kind.individual else form.legal_name,
        rep=form.representative_name, role=form.representative_role)
    work = "my" if form.kind == Kind.individual else "our"
    return (f"{who} accede to the Principles of Human Rights Work in Belarus, version "
            f"{version} (SHA-256 {version_hash}), and undertake to observe them in {work} "
            "human rights work.")


def build(form: AccessionForm, *, version: str, version_hash: str, on: date) -> dict[str, Any]:
    signatory: dict[str, Any] = {
        "kind": form.kind.value, "public_name": form.public_name, "country": form.country,
        "registration_status": form.registration_status.value}
    for key in ("legal_name", "city", "website"):
        if getattr(form, key):
            signatory[key] = getattr(form, key)
    representative = {"name": form.representative_name}
    if form.representative_role:
        representative["role"] = form.representative_role
    return {
        "format": FORMAT,
        "signatory": signatory,
        "representative": representative,
        "principles": {"version": version, "sha256": version_hash},
        "statement": statement_text(form, version, version_hash),
        "declarations": {"head_in_party_governing_body": form.head_in_party_body,
                         "other_interests": form.other_interests},
        "listing": form.listing.value,
        "date": on.isoformat(),
        "signature": {"typed_name": form.signature_name},
    }


def canonical(statement: dict[str, Any]) -> bytes:
    return canonical_json(statement)


def digest(statement: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(statement)).hexdigest()


def verify_applicant_signature(statement: dict[str, Any], public_jwk: dict[str, Any],
                               detached: str) -> None:
    """Check a detached JWS (RFC 7515 appendix F) over the canonical statement."""
    if "d" in public_jwk or "k" in public_jwk:
        raise SignatureProblem(N_("Paste the public key only: this key has its private part, "
                                  "which must never leave you."), field=KEY)
    if public_jwk.get("kty") not in ("EC", "RSA"):
        raise SignatureProblem(N_("The key must be an EC or RSA public key (a JWK whose kty "
                                  "is EC or RSA)."), field=KEY)
    parts = detached.strip().split(".")
    if len(parts) != 3:
        raise SignatureProblem(N_("The signature must be a detached compact JWS: "
                                  "header..signature."))
    payload = base64.urlsafe_b64encode(canonical(statement)).decode().rstrip("=")
    if parts[1] not in ("", payload):
        raise SignatureProblem(N_("The signature was made over something other than this "
                                  "statement."))
    token = f"{parts[0]}.{payload}.{parts[2]}"
    try:
        header = jws.get_unverified_header(token)
    except (JOSEError, ValueError, TypeError, RecursionError) as error:
        # RecursionError: a header of thousands of nested brackets, which python-jose's
        # json.loads does not survive.
        raise SignatureProblem(N_("The signature's header cannot be read.")) from error
    algorithm = header.get("alg") if isinstance(header, dict) else None
    if algorithm not in APPLICANT_ALGORITHMS:
        raise SignatureProblem(N_("The algorithm %(algorithm)s is not accepted; use one of "
                                  "%(accepted)s."), algorithm=str(algorithm)[:20],
                               accepted=", ".join(APPLICANT_ALGORITHMS))
    try:
        key = jwk.construct(public_jwk, algorithm)
    except (JOSEError, ValueError, TypeError) as error:
        raise SignatureProblem(N_("The public key is not a valid %(algorithm)s JWK."),
                               field=KEY, algorithm=algorithm) from error
    if public_jwk["kty"] == "RSA":
        modulus = base64.urlsafe_b64decode(str(public_jwk.get("n", "")) + "==")
        if len(modulus) * 8 < MIN_RSA_BITS:
            raise SignatureProblem(N_("An RSA key must have at least %(bits)s bits."),
                                   field=KEY, bits=MIN_RSA_BITS)
    try:
        jws.verify(token, key, algorithms=[algorithm])
    except (JOSEError, ValueError, TypeError, RecursionError) as error:
        raise SignatureProblem(N_("The signature does not verify with the public key given, "
                                  "over this statement.")) from error
