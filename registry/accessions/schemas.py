"""The accession form (page and API alike) and what the API answers.

Every field has a limit and a reason in words; nothing unchecked reaches a service.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from registry import countries
from registry.translation import N_
from registry.validation import Form, plain


class Kind(StrEnum):
    organisation = "organisation"
    individual = "individual"


class RegistrationStatus(StrEnum):
    registered = "registered"
    unregistered = "unregistered"
    in_exile = "in_exile"


class Listing(StrEnum):
    public = "public"
    pseudonymous = "pseudonymous"
    unlisted = "unlisted"


def country_codes() -> frozenset[str]:
    """The curated ISO 3166-1 codes (registry/countries.py): no regions, no pseudo-codes."""
    return countries.CODES


def clean_name(value: str) -> str:
    value = plain(" ".join(unicodedata.normalize("NFC", value).split()))
    if "<" in value or ">" in value:
        raise ValueError(N_("Remove the characters < and > from this answer."))
    return value


def clean_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(N_("Enter an e-mail address such as name@example.org.")) from error


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in country_codes():
        raise ValueError(N_("Choose a country from the list."))
    return code


def _website(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"https?://[^\s<>\"']{3,290}", value):
        raise ValueError(N_("Enter a web address that starts with https:// or http://."))
    return value


Name = Annotated[str, Field(min_length=2, max_length=200), AfterValidator(clean_name)]
OptionalName = Annotated[str, Field(max_length=200), AfterValidator(clean_name)]


class AccessionForm(Form):
    """What an applicant submits."""

    model_config = ConfigDict(extra="forbid", str_max_length=5000)

    kind: Kind
    public_name: Name = Field(description="The name the register shows (if listed).")
    legal_name: OptionalName = Field(default="", description="Required for organisations.")
    country: Annotated[str, Field(max_length=2, json_schema_extra={
        "enum": sorted(countries.CODES)}), AfterValidator(_country)]
    city: OptionalName = ""
    registration_status: RegistrationStatus
    website: Annotated[str, Field(max_length=300)] = ""
    contact_email: Annotated[str, Field(max_length=254), AfterValidator(clean_email)]
    representative_name: Name
    representative_role: OptionalName = Field(default="", description="Required for "
                                              "organisations.")
    version: Annotated[str, Field(max_length=20)] = Field(
        default="", description="The Principles version acceded to; the one in force if empty.")
    head_in_party_body: bool = Field(description="Principle 14: is the head (or the person) a "
                                     "member of a political party's governing body?")
    other_interests: Annotated[str, Field(max_length=2000)] = ""
    listing: Listing
    signature_name: Name = Field(description="The representative's name, typed as signature.")
    consent: Literal[True] = Field(description="Consent to the processing of these data.")
    date: datetime.date | None = Field(
        default=None, description="The statement's date (today, UTC); needed only to sign "
        "the statement with your own key.")
    applicant_jwk: dict | None = Field(default=None, description="Your public key (JWK), if "
                                       "you sign the statement with your own key.")
    applicant_signature: str | None = Field(
        default=None, max_length=4000, description="A detached JWS (header..signature) "
        "over the canonical statement.")

    @model_validator(mode="after")
    def _consistent(self) -> AccessionForm:
        if self.website:
            self.website = _website(self.website)
        self.other_interests = self.other_interests.strip()
        if self.kind == Kind.organisation and len(self.legal_name) < 2:
            raise ValueError("legal_name: " + N_("Give the organisation's legal name."))
        if self.kind == Kind.organisation and len(self.representative_role) < 2:
            raise ValueError("representative_role: " + N_("Say the representative's role."))
        if self.signature_name.casefold() != self.representative_name.casefold():
            raise ValueError("signature_name: " + N_(
                "Type the representative's name exactly as above."))
        if (self.applicant_jwk is None) != (self.applicant_signature is None):
            raise ValueError("applicant_signature: " + N_(
                "Give both your public key and the signature, or neither."))
        return self


Token = Annotated[str, Field(min_length=10, max_length=200)]


class ReaccessionAnswers(Form):
    """What acceding to a new version asks again: who signs, and the declarations (the
    rest of the application carries over)."""

    model_config = ConfigDict(extra="forbid", str_max_length=5000)

    representative_name: Name
    representative_role: OptionalName = ""
    head_in_party_body: bool
    other_interests: Annotated[str, Field(max_length=2000)] = ""
    signature_name: Name
    consent: Literal[True]


class RenewRequest(ReaccessionAnswers):
    token: Token = Field(description="From the invitation mail.")


class TokenRequest(Form):
    token: Token = Field(description="From the mail.")


class AnswerRequest(Form):
    token: Token = Field(description="From the mail with the question.")
    answer: Annotated[str, Field(max_length=4000)]


class SignatoryState(BaseModel):
    """Where an accession stands, for whoever holds one of its links."""

    signatory: str
    status: str
    version: str
    reaffirm_due: datetime.date | None
    withdrawal_effective_at: datetime.date | None


class AccessionAccepted(BaseModel):
    id: str
    status: str
    statement_sha256: str
    message: str


class ResendRequest(Form):
    contact_email: Annotated[str, Field(max_length=254), AfterValidator(clean_email)]


class ConfirmRequest(Form):
    token: Token


class ConfirmResult(BaseModel):
    id: str
    status: str
    receipt: str = Field(description="The registry's countersignature (compact JWS, ES256).")
    receipt_url: str
