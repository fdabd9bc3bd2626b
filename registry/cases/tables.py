"""Cases of the Principle 15 procedure: complaints and conflict-of-interest cases, their
messages and their evidence.

Everything the filer or the parties wrote is sealed, and so is whom a case concerns:
a copy of the database shows that cases exist, their kinds, stages and dates, and
nothing of who complained about whom, or why.
"""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.keys.sealed import sealed


class CaseKind(StrEnum):
    complaint = "complaint"  # a signatory broke one or more principles
    conflict_of_interest = "conflict_of_interest"  # raised by anyone, or self-declared


class Stage(StrEnum):
    received = "received"


class Case(Table, tablename="case_file"):
    # Public and random ("2026-K7Q4MZ"): it names the case in the follow-up and, once a
    # decision is published, on /cases; it says nothing about how many cases there are.
    reference = Varchar(length=20, unique=True)
    kind = Varchar(length=30, choices=CaseKind)
    stage = Varchar(length=30, choices=Stage, index=True)
    # JSON: the respondent's public id, the principles concerned, what happened.
    complaint = sealed(Text())
    # JSON: anonymous or not, the filer's name and contact, consent to be named to the
    # respondent (Principle 11), the language of the filing.
    filer = sealed(Text())
    receipt_hash = Varchar(length=200)  # argon2id of the receipt code; the code itself nowhere
    filed_at = Timestamptz()


class CaseMessage(Table, tablename="case_message"):
    """A message in a case: from the filer, the respondent or the panel."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    author = Varchar(length=20)  # filer, respondent, panel
    body = sealed(Text())
    at = Timestamptz()


class CaseAttachment(Table, tablename="case_attachment"):
    """Evidence: the file as checked (images re-encoded without metadata), sealed."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    author = Varchar(length=20)  # filer, respondent
    name = sealed(Text())  # the name it was sent with, for staff only
    media_type = Varchar(length=100)
    size = Integer()
    metadata_removed = Boolean(default=False)
    content = sealed(Text())  # base64 of the bytes
    at = Timestamptz()


class FollowUpFailure(Table, tablename="case_follow_up_failure"):
    """A wrong reference and receipt code, counted per reference (a keyed hash of it)
    to limit guessing; rows older than the window are removed."""

    reference_lookup = Varchar(length=64, index=True)
    at = Timestamptz(index=True)
