"""Accessions and their one-time links.

What an applicant submits is kept only encrypted (`application`, `statement`,
`receipt`): a copy of the database does not tell who applied. What the public register
shows is derived from it when a signatory is listed (later, with review).
"""

from enum import StrEnum

from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.keys.sealed import sealed
from registry.principles.tables import PrinciplesVersion


class AccessionStatus(StrEnum):
    pending_confirmation = "pending_confirmation"
    pending_review = "pending_review"
    information_requested = "information_requested"
    active = "active"
    rejected = "rejected"
    withdrawn = "withdrawn"
    suspended = "suspended"
    revoked = "revoked"
    lapsed = "lapsed"
    superseded = "superseded"


class Signatory(Table, tablename="signatory"):
    """Someone in the register. Columns named register_* hold only what the signatory's
    listing lets the public see, and are empty otherwise: a copy of the database shows
    nothing more about an unlisted signatory than that one exists."""

    public_id = Varchar(length=32, unique=True)
    kind = Varchar(length=20)
    listing = Varchar(length=20)
    status = Varchar(length=30, choices=AccessionStatus, index=True)
    version_id = Varchar(length=20)
    name = sealed(Text())  # for staff (and the look-alike check, unlisted ones too)
    register_name = Varchar(length=200, null=True, default=None)
    register_legal_name = Varchar(length=300, null=True, default=None)
    register_country = Varchar(length=2, null=True, default=None)
    register_city = Varchar(length=200, null=True, default=None)
    register_website = Varchar(length=300, null=True, default=None)
    register_declarations = Text(null=True, default=None)  # JSON, public listing only
    search_key = Text(null=True, default=None)  # spelling keys of listed names
    acceded_at = Timestamptz()
    created_at = Timestamptz()
    # Its deadlines (the year, a withdrawal's cooling-off, ...) are rows of the deadlines
    # table, under the subject "signatory:<public_id>" (see holders.py).
    # The persecuted mark, sealed (when it was set, or nothing, padded to one length):
    # staff only, never public, and not readable in a copy of the database.
    persecution = sealed(Text(default=""))


class Accession(Table, tablename="accession"):
    Status = AccessionStatus

    # Random, for links and receipts; never a sequence that tells how many there are.
    public_id = Varchar(length=32, unique=True)
    version = ForeignKey(PrinciplesVersion, on_delete=OnDelete.restrict, null=False)
    status = Varchar(length=30, choices=AccessionStatus, index=True)
    # Keyed hash of the contact e-mail: finds double submissions without the address.
    email_lookup = Varchar(length=64, index=True)
    application = sealed(Text())  # JSON: every field of the form
    statement = sealed(Text())  # the canonical statement that was signed
    statement_hash = Varchar(length=64)  # SHA-256 of the canonical statement
    applicant_signature = sealed(Text(null=True, default=None))  # JWS and JWK, if given
    receipt = sealed(Text(null=True, default=None))  # the registry's countersignature
    signatory = ForeignKey(Signatory, on_delete=OnDelete.restrict, null=True, default=None,
                           index=True)
    submitted_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    confirmation_sent_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = sealed(Text(null=True, default=None))


class AccessionMessage(Table, tablename="accession_message"):
    """The secretariat's questions about an application and the applicant's answers."""

    accession = ForeignKey(Accession, on_delete=OnDelete.restrict, null=False, index=True)
    author = Varchar(length=20)  # "secretariat" or "applicant"
    body = sealed(Text())
    at = Timestamptz()


class LinkPurpose(StrEnum):
    confirm = "confirm"
    receipt = "receipt"
    answer = "answer"  # answer the secretariat's question
    reaffirm = "reaffirm"
    withdraw = "withdraw"
    cancel_withdrawal = "cancel_withdrawal"
    reaccede = "reaccede"  # accede to the version now in force
    declare_conflict = "declare_conflict"  # the signatory declares its own conflict


class AccessionLink(Table, tablename="accession_link"):
    Purpose = LinkPurpose

    accession = ForeignKey(Accession, on_delete=OnDelete.restrict, null=False)
    purpose = Varchar(length=20, choices=LinkPurpose)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
