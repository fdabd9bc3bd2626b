"""The words for coded values: every status, outcome, role, kind, listing and stage the
registry stores as a code is shown to a person as one of these labels, never as the code.

One place: each vocabulary maps the values of one enum (or one set of codes) to a msgid
marked with `N_`; it is translated where it is shown, in the current language. Templates
say `{{ value|label("accession_status") }}`; Python says `ACCESSION_STATUS(value)` for the
translated words, or `ACCESSION_STATUS.words_of(value)` for words put into a refusal or a
mail (translated with them, in their language). tests/web/test_labels.py checks that every
value of every enum here has a label, and that every label has a Belarusian and a
Russian translation.

Codes stay codes where machines read them: the API (JSON), the audit trail's tags, the
command line's tables, URLs and form values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from registry.accessions.schemas import Kind, Listing, RegistrationStatus
from registry.accessions.tables import AccessionStatus
from registry.cases.tables import (
    CaseKind,
    DecisionStatus,
    InadmissibleReason,
    Instance,
    InterestKind,
    Outcome,
    Stage,
)
from registry.facts.kinds import AccessionFact, Fact
from registry.principles.document import VersionStatus
from registry.refusals import Words
from registry.staff.permissions import Role
from registry.staff.tables import StaffStatus
from registry.translation import N_, gettext


@dataclass(frozen=True)
class Vocabulary:
    """The labels of one set of codes: `codes` are the values that must each have one
    (an enum's values; the test enumerates them), `words` their msgids."""

    name: str
    words: Mapping[str, str]
    codes: tuple[str, ...] = field(default=())
    enum: type[StrEnum] | None = None  # the enum whose values these are, if one

    def msgid(self, value: object) -> str:
        """The label's msgid (English); an unknown code is shown as it is."""
        code = str(value.value if isinstance(value, StrEnum) else value)
        return self.words.get(code, code)

    def __call__(self, value: object) -> str:
        """The label in the current language."""
        return gettext(self.msgid(value))

    def words_of(self, value: object) -> Words:
        """The label as words put into other words (a refusal, a mail's values)."""
        return Words(self.msgid(value))

    def coded(self, value: object) -> Coded:
        """The label for a person, the code for a machine (`str`)."""
        return Coded(str(value.value if isinstance(value, StrEnum) else value),
                     self.msgid(value))

    def __getitem__(self, code: str) -> str:
        return self.words[code]

    def get(self, code: str, default: str | None = None) -> str | None:
        return self.words.get(code, default)


class Coded(Words):
    """A code put into words: its label where a person reads it (`text`), the code
    itself where a machine does (`str`: the API, the command line)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return self.code


VOCABULARIES: dict[str, Vocabulary] = {}


def _vocabulary(name: str, words: Mapping[str, str],
                codes: Iterable[str] | type[StrEnum] = (),
                enum: type[StrEnum] | None = None) -> Vocabulary:
    found = tuple(str(code) for code in codes) or tuple(words)
    if enum is None and isinstance(codes, type) and issubclass(codes, StrEnum):
        enum = codes
    vocabulary = Vocabulary(name, {str(k): v for k, v in words.items()}, found, enum)
    VOCABULARIES[name] = vocabulary
    return vocabulary


def label(value: object, vocabulary: str) -> str:
    """The Jinja filter: `{{ entry.status|label("accession_status") }}`. An empty value
    (nothing stored) shows nothing."""
    if value is None or value == "":
        return ""
    return VOCABULARIES[vocabulary](value)


# --- Accessions and signatories ---------------------------------------------------------

# The persecuted mark is not a status: it never appears among these words.
ACCESSION_STATUS = _vocabulary("accession_status", {
    AccessionStatus.pending_confirmation: N_("waiting for the applicant's confirmation"),
    AccessionStatus.pending_review: N_("waiting for review"),
    AccessionStatus.information_requested: N_("information requested from the applicant"),
    AccessionStatus.active: N_("active"),
    AccessionStatus.rejected: N_("rejected"),
    AccessionStatus.withdrawn: N_("withdrawn"),
    AccessionStatus.suspended: N_("suspended"),
    AccessionStatus.revoked: N_("revoked"),
    AccessionStatus.lapsed: N_("lapsed"),
    AccessionStatus.superseded: N_("superseded (a new version is in force)"),
}, AccessionStatus)
SIGNATORY_KIND = _vocabulary("signatory_kind", {
    Kind.organisation: N_("organisation"),
    Kind.individual: N_("individual"),
}, Kind)
REGISTRATION_STATUS = _vocabulary("registration_status", {
    RegistrationStatus.registered: N_("registered"),
    RegistrationStatus.unregistered: N_("unregistered"),
    RegistrationStatus.in_exile: N_("working in exile"),
}, RegistrationStatus)
LISTING = _vocabulary("listing", {
    Listing.public: N_("public"),
    Listing.pseudonymous: N_("under a pseudonym"),
    Listing.unlisted: N_("unlisted"),
}, Listing)
# What happened in a signatory's history: the public facts' kinds, "accession:<event>".
REGISTER_EVENT = _vocabulary("register_event", {
    "accepted": N_("accession accepted"), "reaffirmed": N_("re-affirmed"),
    "withdrawal_requested": N_("withdrawal requested"),
    "withdrawal_cancelled": N_("withdrawal cancelled"), "withdrawn": N_("withdrawn"),
    "lapsed": N_("lapsed"), "superseded": N_("superseded by a new version"),
    "reacceded": N_("acceded to the new version"), "suspended": N_("suspended"),
    "revoked": N_("revoked"), "reinstated": N_("reinstated"),
}, sorted(kind.split(":", 1)[1] for kind, fact in Fact.kinds.items()
          if issubclass(fact, AccessionFact)))

# --- Staff ------------------------------------------------------------------------------

ROLE = _vocabulary("role", {
    Role.secretariat: N_("secretariat"),
    Role.panel_member: N_("ethics panel member"),
    Role.panel_chair: N_("ethics panel chair"),
    Role.admin: N_("administrator"),
}, Role)
# Not "active": a staff account is not an accession, and the words differ in gender in
# Belarusian and Russian (one msgid cannot serve both).
STAFF_STATUS = _vocabulary("staff_status", {
    StaffStatus.enrolling: N_("not enrolled yet"),
    StaffStatus.active: N_("in use"),
    StaffStatus.disabled: N_("disabled"),
}, StaffStatus)

# --- Cases ------------------------------------------------------------------------------

# What a case is, as a fact on its own ("What it is: A complaint").
CASE_KIND = _vocabulary("case_kind", {
    CaseKind.complaint: N_("A complaint"),
    CaseKind.conflict_of_interest: N_("A conflict of interest"),
}, CaseKind)
# ... and as a noun inside other words ("Case 2026-K7Q4MZ: complaint").
CASE_KIND_NOUN = _vocabulary("case_kind_noun", {
    CaseKind.complaint: N_("complaint"),
    CaseKind.conflict_of_interest: N_("conflict of interest"),
}, CaseKind)
# A stage's short name (staff screens, refusals).
STAGE = _vocabulary("stage", {
    Stage.received: N_("received"), Stage.admissibility: N_("admissibility"),
    Stage.answer: N_("respondent's answer"), Stage.review: N_("panel review"),
    Stage.comments: N_("comments on the draft"), Stage.deliberation: N_("vote"),
    Stage.publication: N_("publication"), Stage.appeal_window: N_("appeal window"),
    Stage.appeal: N_("appeal"), Stage.appeal_publication: N_("publication of the appeal"),
    Stage.inadmissible: N_("inadmissible"), Stage.closed: N_("closed"),
}, Stage)
# ... and what it means, for the parties (the follow-up, the respondent's page).
STAGE_DESCRIPTION = _vocabulary("stage_description", {
    Stage.received: N_("Received: the secretariat acknowledges it."),
    Stage.admissibility: N_("Admissibility: the ethics panel decides whether it can hear "
                            "the case."),
    Stage.answer: N_("The signatory concerned has been told, and may answer."),
    Stage.review: N_("Review: the ethics panel hears both sides and drafts a decision."),
    Stage.comments: N_("The draft decision is shared with both sides for comment."),
    Stage.deliberation: N_("The ethics panel votes on its decision."),
    Stage.publication: N_("Decided: the decision is being published."),
    Stage.appeal_window: N_("Decided: either side may appeal."),
    Stage.appeal: N_("Under appeal: another panel hears the case."),
    Stage.appeal_publication: N_("Decided on appeal: the decision is being published."),
    Stage.inadmissible: N_("Inadmissible: the ethics panel cannot hear this case."),
    Stage.closed: N_("Closed."),
}, Stage)
# A decision's outcome; the published record also says "inadmissible" and "deferred".
INADMISSIBLE = "inadmissible"
DEFERRED = "deferred"
OUTCOME = _vocabulary("outcome", {
    Outcome.not_upheld: N_("not upheld"),
    Outcome.upheld_with_recommendation: N_("upheld, with a recommendation"),
    Outcome.public_reprimand: N_("upheld: public reprimand"),
    Outcome.suspension: N_("upheld: accession suspended"),
    Outcome.revocation: N_("upheld: accession revoked"),
    INADMISSIBLE: N_("inadmissible"),
    DEFERRED: N_("decision deferred"),
}, [*Outcome, INADMISSIBLE, DEFERRED], enum=Outcome)
INADMISSIBLE_REASON = _vocabulary("inadmissible_reason", {
    InadmissibleReason.not_a_signatory: N_("it does not concern a signatory"),
    InadmissibleReason.out_of_scope: N_("it is outside the scope of the Principles"),
    InadmissibleReason.manifestly_unfounded: N_("it is manifestly unfounded"),
    InadmissibleReason.duplicate: N_("it repeats another case"),
}, InadmissibleReason)
INSTANCE = _vocabulary("instance", {
    Instance.first: N_("first instance"),
    Instance.appeal: N_("appeal"),
}, Instance)
DECISION_STATUS = _vocabulary("decision_status", {
    DecisionStatus.draft: N_("draft"),
    DecisionStatus.shared: N_("draft, shared"),
    DecisionStatus.adopted: N_("adopted"),
    DecisionStatus.rejected: N_("rejected by the vote"),
}, DecisionStatus)
INTEREST_KIND = _vocabulary("interest_kind", {
    InterestKind.signatory: N_("a signatory of the register"),
    InterestKind.name: N_("a name"),
    InterestKind.domain: N_("an e-mail or web domain"),
}, InterestKind)

# --- The Principles ---------------------------------------------------------------------

VERSION_STATUS = _vocabulary("version_status", {
    VersionStatus.draft: N_("Draft"),
    VersionStatus.in_force: N_("In force"),
    VersionStatus.superseded: N_("Superseded"),
}, VersionStatus)
