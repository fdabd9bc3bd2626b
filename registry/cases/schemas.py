"""What a filer sends (the page and the API alike), and what the API answers.

Every text has a limit and a reason in words; nothing unchecked reaches a rule.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from registry.accessions.schemas import clean_email, clean_name
from registry.cases.tables import CaseKind
from registry.translation import N_
from registry.validation import Form, plain


def _account(value: str) -> str:
    """A text of several paragraphs: line breaks kept, nothing invisible or reordering."""
    return plain(unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip())


def _principles(value: list[int]) -> list[int]:
    if any(not 1 <= number <= 15 for number in value):
        raise ValueError(N_("The Principles are numbered 1 to 15."))
    return sorted(set(value))


Account = Annotated[str, Field(min_length=20, max_length=20000), AfterValidator(_account)]
# The numbers said in the API's schema too (the validator says them in words).
PRINCIPLE_NUMBERS = {"items": {"type": "integer", "minimum": 1, "maximum": 15}}
OptionalName = Annotated[str, Field(max_length=200), AfterValidator(clean_name)]


class ComplaintForm(Form):
    """A complaint or a conflict of interest, as filed."""

    model_config = ConfigDict(extra="forbid", str_max_length=20000)

    kind: CaseKind
    # StringConstraints, not Field(pattern=...): Litestar's schema reads its pattern.
    respondent: Annotated[str, StringConstraints(min_length=1, max_length=40,
                                                 pattern=r"^[A-Za-z0-9_-]+$"),
                          Field(description="The public id of a listed signatory.")]
    principles: Annotated[list[int], Field(min_length=1, max_length=15,
                                           json_schema_extra=PRINCIPLE_NUMBERS),
                          AfterValidator(_principles)]
    account: Account = Field(description="What happened, in the filer's words.")
    anonymous: bool = True
    name: OptionalName = ""
    contact_email: Annotated[str, Field(max_length=254)] = ""
    consent_to_identity: bool = Field(
        default=False, description="Whether the respondent may learn who filed (Principle 11).")

    @model_validator(mode="after")
    def _who(self) -> ComplaintForm:
        if self.anonymous:
            if self.name or self.contact_email:
                raise ValueError("name: " + N_("Leave your name and address empty to file "
                                               "anonymously, or choose to give them."))
            self.consent_to_identity = False
        else:
            if len(self.name) < 2:
                raise ValueError("name: " + N_("Give your name, or choose to file anonymously."))
            if self.contact_email:
                self.contact_email = clean_email(self.contact_email)
        return self


class CaseFiled(BaseModel):
    reference: str
    receipt_code: str = Field(description="Shown once: keep it to follow the case up.")


class FollowUpRequest(Form):
    model_config = ConfigDict(extra="forbid")

    reference: Annotated[str, Field(max_length=40)]
    receipt_code: Annotated[str, Field(max_length=64)]


class FilerMessage(FollowUpRequest):
    text: Account


class MessageOut(BaseModel):
    author: str
    text: str
    at: datetime


class RespondentWriting(Form):
    """What the respondent writes through its link: an answer, a reply, a comment, or
    the grounds of an appeal."""

    text: Account


class FilerAppeal(FollowUpRequest):
    grounds: Account


class DecisionOut(BaseModel):
    draft: bool = Field(description="True while the draft is shared for comment.")
    instance: str
    outcome: str
    principles_breached: list[int]
    reasoning: str
    public_summary: str
    suspension_until: str | None
    decided_at: datetime | None


class CaseForFiler(BaseModel):
    reference: str
    kind: str
    stage: str
    filed_at: datetime
    respondent: str
    principles: list[int]
    account: str
    messages: list[MessageOut]
    due: datetime | None = Field(default=None, description="The end of the present stage.")
    can_comment: bool = False
    can_appeal: bool = False
    appealed: bool = False
    decision: DecisionOut | None = None


class DeclarationForm(Form):
    """A signatory's declaration of its own conflict of interest."""

    model_config = ConfigDict(extra="forbid", str_max_length=20000)

    principles: Annotated[list[int], Field(min_length=1, max_length=15),
                          AfterValidator(_principles)]
    account: Account = Field(description="The conflict, in the signatory's words.")
