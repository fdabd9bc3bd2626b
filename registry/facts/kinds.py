"""The kinds of public facts. Each says exactly what the public may know happened, and
nothing more: what the register already shows, and for an unlisted signatory only a
commitment that names nobody without a key kept outside the database.

A new kind is a subclass with its `kind` and its fields; `public()` is what its entry
says.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from registry import keys


def commitment(value: str) -> str:
    """A salted commitment to a public id: the same id always gives the same value, and
    nobody without the key can tell whose it is (the registry can open it on request)."""
    return hmac.new(keys.keyring().key("facts/commitment"), value.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def day(moment: datetime | date) -> str:
    return (moment.date() if isinstance(moment, datetime) else moment).isoformat()


class Fact:
    """Something the public may know happened. Subclasses are frozen dataclasses."""

    kind: ClassVar[str]
    kinds: ClassVar[dict[str, type[Fact]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None:
            if kind in Fact.kinds:
                raise TypeError(f"two kinds of fact are called {kind!r}")
            Fact.kinds[kind] = cls

    @property
    def subject(self) -> str:
        raise NotImplementedError

    def public(self) -> dict[str, Any]:
        raise NotImplementedError


# --- The Principles --------------------------------------------------------------------

@dataclass(frozen=True)
class VersionFact(Fact):
    version: str

    @property
    def subject(self) -> str:
        return f"principles:{self.version}"

    def public(self) -> dict[str, Any]:
        return {"version": self.version}


@dataclass(frozen=True)
class VersionPublished(VersionFact):
    """A version became part of the published record (in force, or added as superseded)."""

    kind = "principles:published"
    sha256: str
    status: str

    def public(self) -> dict[str, Any]:
        return {**super().public(), "sha256": self.sha256, "status": self.status}


@dataclass(frozen=True)
class VersionInForce(VersionFact):
    kind = "principles:in_force"
    sha256: str

    def public(self) -> dict[str, Any]:
        return {**super().public(), "sha256": self.sha256}


@dataclass(frozen=True)
class VersionSuperseded(VersionFact):
    kind = "principles:superseded"


# --- Signatories and their accessions -------------------------------------------------

@dataclass(frozen=True)
class Party:
    """A signatory as the public may know it. `row_id` is for subscribers in this
    process and never leaves it."""

    row_id: int
    public_id: str
    listed: bool
    name: str | None  # as the register shows it; None when unlisted

    @property
    def subject(self) -> str:
        if self.listed:
            return f"signatory:{self.public_id}"
        return f"commitment:{commitment(f'signatory:{self.public_id}')}"

    def public(self) -> dict[str, Any]:
        if self.listed:
            return {"signatory": self.public_id, "name": self.name}
        return {"commitment": commitment(f"signatory:{self.public_id}")}


@dataclass(frozen=True)
class AccessionFact(Fact):
    """A step in a signatory's public history, with its status and version after it."""

    party: Party
    status: str
    version: str

    @property
    def subject(self) -> str:
        return self.party.subject

    @property
    def event(self) -> str:
        return self.kind.split(":", 1)[1]

    def public(self) -> dict[str, Any]:
        if not self.party.listed:
            return self.party.public()
        return {**self.party.public(), "status": self.status, "version": self.version,
                **self.details()}

    def details(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class Shown(AccessionFact):
    """A fact that carries what the register shows of the signatory (its projection)."""

    register: dict[str, Any] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        return {"register": self.register}


@dataclass(frozen=True)
class AccessionAccepted(Shown):
    kind = "accession:accepted"


@dataclass(frozen=True)
class AccessionReacceded(Shown):
    """Acceded to the version now in force (from the invitation after a supersession)."""

    kind = "accession:reacceded"


@dataclass(frozen=True)
class AccessionReaffirmed(AccessionFact):
    kind = "accession:reaffirmed"


@dataclass(frozen=True)
class WithdrawalRequested(AccessionFact):
    kind = "accession:withdrawal_requested"


@dataclass(frozen=True)
class WithdrawalCancelled(AccessionFact):
    kind = "accession:withdrawal_cancelled"


@dataclass(frozen=True)
class AccessionWithdrawn(AccessionFact):
    kind = "accession:withdrawn"


@dataclass(frozen=True)
class AccessionSuperseded(AccessionFact):
    kind = "accession:superseded"


@dataclass(frozen=True)
class AccessionSuspended(AccessionFact):
    kind = "accession:suspended"
    until: date | None = None

    def details(self) -> dict[str, Any]:
        return {"until": day(self.until)} if self.until else {}


@dataclass(frozen=True)
class AccessionReinstated(AccessionFact):
    kind = "accession:reinstated"


@dataclass(frozen=True)
class AccessionRevoked(AccessionFact):
    kind = "accession:revoked"


@dataclass(frozen=True)
class AccessionLapsed(AccessionFact):
    kind = "accession:lapsed"


# --- Badges ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BadgeFact(Fact):
    party: Party
    badge_id: str

    @property
    def subject(self) -> str:
        return self.party.subject

    def public(self) -> dict[str, Any]:
        if not self.party.listed:
            return self.party.public()
        return {**self.party.public(), "badge": self.badge_id}


@dataclass(frozen=True)
class BadgeIssued(BadgeFact):
    """A badge was made for the signatory (at acceptance). Its later credentials are not
    facts: what they state is in the accession's facts, and how often a badge is renewed
    must not tell whose deadlines are paused."""

    kind = "badge:issued"


@dataclass(frozen=True)
class BadgeRevoked(BadgeFact):
    """The badge's revocation bit is set: it will never verify again."""

    kind = "badge:revoked"


# --- Cases of the Principle 15 procedure ----------------------------------------------

@dataclass(frozen=True)
class CaseFact(Fact):
    """A public outcome of a case. Never the filer; the respondent only where the decision
    names it (never for an inadmissible or not-upheld case)."""

    reference: str

    @property
    def subject(self) -> str:
        return f"case:{self.reference}"

    def public(self) -> dict[str, Any]:
        return {"case": self.reference}


@dataclass(frozen=True)
class CaseInadmissible(CaseFact):
    """The panel found a case inadmissible, for one of the stated reasons."""

    kind = "case:inadmissible"
    case_kind: str
    reason: str
    filed: date
    decided: date

    def public(self) -> dict[str, Any]:
        return {**super().public(), "case_kind": self.case_kind, "reason": self.reason,
                "filed": day(self.filed), "decided": day(self.decided)}


@dataclass(frozen=True)
class DecisionDeferred(CaseFact):
    """A decision whose text would endanger someone if published now: its SHA-256 is
    published at once, its text later (then anyone can check that the two match)."""

    kind = "case:decision_deferred"
    instance: str
    sha256: str
    decided: date

    def public(self) -> dict[str, Any]:
        return {**super().public(), "instance": self.instance, "sha256": self.sha256,
                "decided": day(self.decided)}


@dataclass(frozen=True)
class DecisionPublished(CaseFact):
    """A decision, published: its canonical public document (registry/cases/decisions.py
    says what it holds), that document's SHA-256, and the registry's countersignature
    over it (a compact JWS that the keys at /.well-known/jwks.json verify)."""

    kind = "case:decision_published"
    instance: str
    document: dict[str, Any]
    sha256: str
    countersignature: str

    def public(self) -> dict[str, Any]:
        return {**super().public(), "instance": self.instance, "decision": self.document,
                "sha256": self.sha256, "countersignature": self.countersignature}


CASE_KINDS = frozenset(kind for kind, cls in Fact.kinds.items() if issubclass(cls, CaseFact))
ACCESSION_KINDS = frozenset(kind for kind, cls in Fact.kinds.items()
                            if issubclass(cls, AccessionFact))
