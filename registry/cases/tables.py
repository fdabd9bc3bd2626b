"""Cases of the Principle 15 procedure: complaints and conflict-of-interest cases, their
steps, messages, evidence, one-time links for the respondent, the panel that hears them
(declared interests, seats, recusals), internal notes, decisions and votes, appeals and
interim measures, and each staff member's calendar feed.

Everything the filer, the parties or the panel wrote is sealed, and so is whom a case
concerns: a copy of the database shows that cases exist, their kinds, stages and dates,
which staff sit on which case, and nothing of who complained about whom, or why, or what
the panel is about to decide.
"""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.keys.sealed import sealed
from registry.staff.tables import StaffMember


class CaseKind(StrEnum):
    complaint = "complaint"  # a signatory broke one or more principles
    conflict_of_interest = "conflict_of_interest"  # raised by anyone, or self-declared


class Stage(StrEnum):
    """Where a case is. The moves between them are `stages.TRANSITIONS`."""

    received = "received"  # the secretariat acknowledges it
    admissibility = "admissibility"  # the panel decides whether it can be heard
    answer = "answer"  # the respondent is told and may answer
    review = "review"  # the panel hears both sides and drafts a decision
    comments = "comments"  # the draft is shared with both parties for comment
    deliberation = "deliberation"  # the assigned members vote
    publication = "publication"  # the chair publishes the decision, or defers it
    appeal_window = "appeal_window"  # either side may appeal
    appeal = "appeal"  # another panel hears the appeal and decides
    appeal_publication = "appeal_publication"
    inadmissible = "inadmissible"  # final
    closed = "closed"  # final


class Outcome(StrEnum):
    not_upheld = "not_upheld"
    upheld_with_recommendation = "upheld_with_recommendation"
    public_reprimand = "public_reprimand"
    suspension = "suspension"  # until a date
    revocation = "revocation"


class InadmissibleReason(StrEnum):
    not_a_signatory = "not_a_signatory"
    out_of_scope = "out_of_scope"
    manifestly_unfounded = "manifestly_unfounded"
    duplicate = "duplicate"


class Instance(StrEnum):
    first = "first"
    appeal = "appeal"


class Case(Table, tablename="case_file"):
    Kind = CaseKind
    Stage = Stage

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
    # A conflict declared by the signatory itself (through a link to its contact address).
    self_declared = Boolean(default=False)
    # The filer marked persecuted by the panel, sealed to one length (since when, or
    # nothing): the case's deadlines pause, as they do for a persecuted respondent.
    filer_persecution = sealed(Text(default=""))
    # JSON: what the case did to the respondent's accession (an interim or final
    # suspension, a revocation waiting for the appeal window), so that a later decision
    # can replace it. Sealed: before publication it would say whom the case concerns.
    effects = sealed(Text(default=""))
    inadmissible_reason = Varchar(length=30, null=True, default=None,
                                  choices=InadmissibleReason)
    closed_at = Timestamptz(null=True, default=None)


class CaseStep(Table, tablename="case_step"):
    """Each stage a case entered, and when: its timeline and the statistics."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    stage = Varchar(length=30, choices=Stage)
    at = Timestamptz()


class CaseMessage(Table, tablename="case_message"):
    """A message in a case: from the filer, the respondent or the panel."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    author = Varchar(length=20)  # filer, respondent, panel
    body = sealed(Text())
    at = Timestamptz()
    # Who may read it besides the panel: the filer, the respondent, both; "panel" for a
    # party's message to the panel.
    audience = Varchar(length=20, default="panel")


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


class LinkPurpose(StrEnum):
    answer = "answer"  # the respondent's answer to the complaint
    reply = "reply"  # a further round: a message from the panel to answer
    comment = "comment"  # the draft decision, for comment
    appeal = "appeal"  # the decision, and the appeal within the window


class CaseLink(Table, tablename="case_link"):
    """A one-time link mailed to the respondent's contact address: reading is free,
    writing through it uses it up. Stored as the SHA-256 of the token."""

    Purpose = LinkPurpose

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    purpose = Varchar(length=20, choices=LinkPurpose)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class InterestKind(StrEnum):
    signatory = "signatory"  # a signatory in the register (its public id)
    name = "name"  # an organisation or a person, by name
    domain = "domain"  # an e-mail domain (an employer's, an organisation's)


class PanelInterest(Table, tablename="panel_interest"):
    """What a panel member declared: organisations they belong to or work with, other
    relations. Sealed: a copy of the database must not say who belongs to what."""

    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=20, choices=InterestKind)
    value = sealed(Text())  # the public id, the name, or the domain
    relation = sealed(Text())  # in the member's words: "board member", "former employee"
    declared_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)


class PanelSeat(Table, tablename="panel_seat"):
    """A member assigned to hear a case (its first instance or the appeal). The case file
    opens to them only once they confirm having no conflict; a recusal is kept."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False, index=True)
    instance = Varchar(length=10, choices=Instance)
    assigned_by = Integer()  # the chair's staff id
    assigned_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    recused_at = Timestamptz(null=True, default=None)
    recusal_reason = sealed(Text(default=""))


class CaseNote(Table, tablename="case_note"):
    """The panel's internal notes: never shown to the parties."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False)
    body = sealed(Text())
    at = Timestamptz()


class DecisionStatus(StrEnum):
    draft = "draft"  # being written
    shared = "shared"  # shared with the parties for comment, then voted on
    adopted = "adopted"  # a majority voted for it: the decision
    rejected = "rejected"  # a majority voted against it: the panel drafts again


class CaseDecision(Table, tablename="case_decision"):
    """A draft decision and, once a majority adopts it, the decision: countersigned with
    the registry's signing key. At most one adopted per case and instance (an index)."""

    Status = DecisionStatus

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    instance = Varchar(length=10, choices=Instance)
    status = Varchar(length=20, choices=DecisionStatus)
    # JSON: outcome, principles found breached, reasoning, public summary, the end of a
    # suspension, whether the public summary names the respondent.
    content = sealed(Text())
    drafted_by = Integer()  # staff id
    drafted_at = Timestamptz()
    shared_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    # Once adopted: the SHA-256 of the decision's canonical public document, and the
    # registry's JWS over it (sealed until published).
    document_sha256 = Varchar(length=64, null=True, default=None)
    countersignature = sealed(Text(default=""))
    # Publication: the text at once, or its hash now (deferred) and the text later.
    deferred_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class CaseVote(Table, tablename="case_vote"):
    """One member's vote on a draft: for, or against (dissent, with its reasons). How a
    member voted is sealed: a copy of the database must not say who voted to sanction
    whom."""

    decision = ForeignKey(CaseDecision, on_delete=OnDelete.restrict, null=False, index=True)
    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False)
    # JSON: {"in_favour": bool, "dissent": str}, padded to one length.
    ballot = sealed(Text())
    at = Timestamptz()


class CaseAppeal(Table, tablename="case_appeal"):
    """The one appeal of a case, by either side, with its grounds."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, unique=True)
    party = Varchar(length=20)  # filer, respondent
    grounds = sealed(Text())
    at = Timestamptz()


class InterimMeasure(Table, tablename="case_interim_measure"):
    """An urgent suspension before the decision: the chair proposes it, a second seated
    member confirms it, and only then does it take effect."""

    case_file = ForeignKey(Case, on_delete=OnDelete.restrict, null=False, index=True)
    proposed_by = Integer()
    proposed_at = Timestamptz()
    # Sealed: the day would match the respondent's public suspension.
    until = sealed(Text())
    reason = sealed(Text())
    confirmed_by = Integer(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class CalendarFeed(Table, tablename="case_calendar_feed"):
    """A staff member's iCalendar feed of their deadlines, at a secret address (its
    SHA-256 stored); revoking it, or making a new one, ends the old address."""

    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
