"""Accessions and their one-time links.

What an applicant submits is kept only encrypted (`application`, `statement`,
`receipt`): a copy of the database does not tell who applied. What the public register
shows is derived from it when a signatory is listed (later, with review).
"""

from enum import StrEnum

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.principles.tables import PrinciplesVersion


class AccessionStatus(StrEnum):
    pending_confirmation = "pending_confirmation"
    pending_review = "pending_review"
    active = "active"
    rejected = "rejected"
    withdrawn = "withdrawn"
    suspended = "suspended"
    revoked = "revoked"
    lapsed = "lapsed"
    superseded = "superseded"


class Accession(Table, tablename="accession"):
    Status = AccessionStatus

    # Random, for links and receipts; never a sequence that tells how many there are.
    public_id = Varchar(length=32, unique=True)
    version = ForeignKey(PrinciplesVersion, on_delete=OnDelete.restrict, null=False)
    status = Varchar(length=30, choices=AccessionStatus, index=True)
    # Keyed hash of the contact e-mail: finds double submissions without the address.
    email_lookup = Varchar(length=64, index=True)
    application = Text()  # encrypted JSON: every field of the form
    statement = Text()  # encrypted: the canonical statement that was signed
    statement_hash = Varchar(length=64)  # SHA-256 of the canonical statement
    applicant_signature = Text(null=True, default=None)  # encrypted: JWS and JWK, if given
    receipt = Text(null=True, default=None)  # encrypted: the registry's countersignature
    submitted_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    confirmation_sent_at = Timestamptz()


class LinkPurpose(StrEnum):
    confirm = "confirm"
    receipt = "receipt"


class AccessionLink(Table, tablename="accession_link"):
    Purpose = LinkPurpose

    accession = ForeignKey(Accession, on_delete=OnDelete.restrict, null=False)
    purpose = Varchar(length=20, choices=LinkPurpose)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
