"""The ethics panel of a case: declared interests, conflicts found from them, seats,
confirmations and recusals, and who may open a case file.

A member is never assignable to a case where a conflict is found (OpenReview's habit:
found by the registry from what is declared, not left to memory):
- an interest declared in the respondent (as a signatory of the register, by a name that
  matches one of its names, or by the domain of its contact address or website);
- an interest declared by a name that matches the filer's name, or the domain of the
  filer's address;
- the member's own address at the respondent's domain, or the member being the filer;
- for an appeal, having sat on the first panel.
Matching names are compared as the register compares them (transliterated, case and
accents folded, the usual spelling variants made one), so "Вясна" meets "Viasna".

Each assigned member confirms having no conflict before the file opens to them, or
recuses with a reason; the chair is asked to replace them. Every opening of a file or an
attachment, and every refusal, is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from registry import db
from registry.accessions import names
from registry.accessions.holders import holder
from registry.accessions.tables import Signatory
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.cases import notices, stages
from registry.cases.stages import CaseRecord
from registry.cases.tables import Instance, InterestKind, PanelInterest, PanelSeat, Stage
from registry.keys.sealed import seal, unseal
from registry.refusals import Conflict, Forbidden, Invalid, NotFound, Words
from registry.settings import Settings
from registry.staff.permissions import Role
from registry.staff.services import StaffListing, list_staff, staff_member
from registry.staff.tables import StaffStatus
from registry.translation import N_

_SEAT = PanelSeat._meta.primary_key
_INTEREST = PanelInterest._meta.primary_key
PANEL_ROLES = frozenset({Role.panel_member, Role.panel_chair})
# Addresses at these domains say nothing about whom someone works for.
PUBLIC_MAIL = frozenset({
    "gmail.com", "googlemail.com", "proton.me", "protonmail.com", "pm.me", "tutanota.com",
    "tuta.io", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com",
    "me.com", "mail.ru", "yandex.ru", "yandex.by", "ya.ru", "tut.by", "gmx.net", "gmx.de",
    "web.de", "ukr.net", "riseup.net", "posteo.de", "mailbox.org", "disroot.org"})
# Stages in which the chair assigns, for each instance.
ASSIGNABLE = {Instance.first: frozenset({Stage.received, Stage.admissibility, Stage.answer,
                                         Stage.review, Stage.comments, Stage.deliberation}),
              Instance.appeal: frozenset({Stage.appeal})}

# The reasons say which rule applies, never which party or which declared interest: the
# chair who reads them has not opened the file, and must not learn from them who filed
# or whom the case concerns.
WHY_PARTY = N_("has a conflict of interest with a party to this case")
WHY_FIRST_PANEL = N_("sat on the first panel of this case")
WHY_RECUSED = N_("recused themselves from this case")
WHY_SEATED = N_("is already assigned")
NOT_CONFIRMED = N_("Confirm that you have no conflict of interest in this case before its "
                   "file opens to you.")
NOT_SEATED = N_("Only the members assigned to this case may open its file.")
CONFLICTED_SINCE = N_("An interest you declared since you confirmed is in conflict with this "
                      "case: recuse yourself.")


def _now() -> datetime:
    return datetime.now(UTC)


def _domain(address: str | None) -> str | None:
    if not address:
        return None
    if "@" in address:
        return address.rsplit("@", 1)[1].strip().casefold().rstrip(".") or None
    host = urlsplit(address if "//" in address else f"//{address}").hostname
    return host.casefold().removeprefix("www.") if host else None


def _names_meet(a: str, b: str) -> bool:
    """Whether two names are the same, or one holds the other as whole words."""
    first, second = names.spelling_key(a), names.spelling_key(b)
    if len(first) < 4 or len(second) < 4:
        return bool(first) and first == second
    return f" {first} " in f" {second} " or f" {second} " in f" {first} "


# --- Interests -------------------------------------------------------------------------

@dataclass(frozen=True)
class Interest:
    id: int
    kind: str
    value: str
    relation: str
    declared_at: datetime


def _clean_value(kind: InterestKind, value: str) -> str:
    value = " ".join(value.split())
    if kind == InterestKind.domain:
        found = _domain(value.lstrip("@"))
        if not found or "." not in found or len(found) > 190:
            raise Invalid(N_("Give a domain such as example.org."), field="value")
        return found
    if not 2 <= len(value) <= 200:
        raise Invalid(N_("Give a name of 2 to 200 characters."), field="value")
    return value


async def declare_interest(staff_id: int, kind: str, value: str, relation: str, *,
                           actor: audit.Actor) -> int:
    try:
        interest_kind = InterestKind(kind)
    except ValueError:
        raise Invalid(N_("Choose what the interest is in."), field="kind") from None
    relation = " ".join(relation.split())
    if not 2 <= len(relation) <= 300:
        raise Invalid(N_("Say in a few words what the relation is (2 to 300 characters)."),
                      field="relation")
    if interest_kind == InterestKind.signatory:
        value = value.strip()
        if not await Signatory.exists().where(Signatory.public_id == value[:40]):
            raise Invalid(N_("There is no signatory with this id in the register."),
                          field="value")
    else:
        value = _clean_value(interest_kind, value)
    now = _now()
    async with db.write_transaction():
        rows = await PanelInterest.insert(PanelInterest(
            staff=staff_id, kind=interest_kind, value=seal(PanelInterest.value, value),
            relation=seal(PanelInterest.relation, relation), declared_at=now))
        # Which organisation a member belongs to stays out of the audit trail.
        await audit.record(EventTag.case_interest_declared, actor=actor,
                           subject=f"staff:{staff_id}", details={"kind": interest_kind.value})
    return rows[0]["id"]


async def withdraw_interest(staff_id: int, interest_id: int, *, actor: audit.Actor) -> None:
    async with db.write_transaction():
        done = await PanelInterest.update({PanelInterest.withdrawn_at: _now()}).where(
            (_INTEREST == interest_id) & (PanelInterest.staff == staff_id)
            & PanelInterest.withdrawn_at.is_null()).returning(_INTEREST)
        if not done:
            raise NotFound(N_("There is no such declared interest."))
        await audit.record(EventTag.case_interest_withdrawn, actor=actor,
                           subject=f"staff:{staff_id}")


async def interests_of(staff_id: int) -> list[Interest]:
    rows = await PanelInterest.select().where(
        (PanelInterest.staff == staff_id) & PanelInterest.withdrawn_at.is_null()).order_by(
        _INTEREST)
    return [Interest(row["id"], row["kind"], unseal(PanelInterest.value, row["value"]),
                     unseal(PanelInterest.relation, row["relation"]), row["declared_at"])
            for row in rows]


# --- Conflicts -------------------------------------------------------------------------

@dataclass(frozen=True)
class Parties:
    """What conflicts are found against: the respondent's id, names and domains, and the
    filer's name and domain."""

    respondent_id: str
    respondent_names: tuple[str, ...]
    respondent_domains: frozenset[str]
    filer_name: str | None
    filer_domain: str | None
    filer_address: str | None


async def parties_of(case: CaseRecord) -> Parties:
    h = await holder(case.respondent)
    application = h.application
    respondent_names = tuple(n for n in (application.get("public_name"),
                                         application.get("legal_name")) if n)
    domains = {d for d in (_domain(application.get("contact_email")),
                           _domain(application.get("website"))) if d and d not in PUBLIC_MAIL}
    named = not case.filer.get("anonymous", True)
    address = case.filer.get("contact_email") if named else None
    filer_domain = _domain(address)
    return Parties(
        respondent_id=case.respondent, respondent_names=respondent_names,
        respondent_domains=frozenset(domains),
        filer_name=case.filer.get("name") if named else None,
        filer_domain=filer_domain if filer_domain not in PUBLIC_MAIL else None,
        filer_address=address.casefold() if address else None)


def conflicts_of(member: StaffListing, interests: list[Interest], parties: Parties
                 ) -> list[tuple[str, dict[str, Any]]]:
    """Why this member may not sit on the case: reasons (msgid, values), none if free."""
    own = _domain(member.email)
    if any(_interest_meets(interest, parties) for interest in interests) or (
            own and own in parties.respondent_domains) or (
            parties.filer_address and member.email.casefold() == parties.filer_address):
        # One reason whatever the conflict: which party, or how, would tell the chair.
        return [(WHY_PARTY, {})]
    return []


def _interest_meets(interest: Interest, parties: Parties) -> bool:
    if interest.kind == InterestKind.signatory:
        return interest.value == parties.respondent_id
    if interest.kind == InterestKind.name:
        names_ = [*parties.respondent_names, *([parties.filer_name] if parties.filer_name
                                               else [])]
        return any(_names_meet(interest.value, name) for name in names_)
    return interest.value in parties.respondent_domains or (
        parties.filer_domain is not None and interest.value == parties.filer_domain)


@dataclass(frozen=True)
class Seat:
    id: int
    staff_id: int
    name: str
    instance: str
    assigned_at: datetime
    confirmed_at: datetime | None
    recused_at: datetime | None
    recusal_reason: str

    @property
    def sitting(self) -> bool:
        return self.recused_at is None

    @property
    def open_to_them(self) -> bool:
        return self.sitting and self.confirmed_at is not None


async def seats(case: CaseRecord) -> list[Seat]:
    members = {m.id: m for m in await list_staff()}
    rows = await PanelSeat.select().where(PanelSeat.case_file == case.id).order_by(_SEAT)
    return [Seat(row["id"], row["staff"], members[row["staff"]].name, row["instance"],
                 row["assigned_at"], row["confirmed_at"], row["recused_at"],
                 unseal(PanelSeat.recusal_reason, row["recusal_reason"])
                 if row["recusal_reason"] else "")
            for row in rows]


@dataclass(frozen=True)
class Candidate:
    """A panel member as the chair sees them for a case: assignable, or why not."""

    staff_id: int
    name: str
    reasons: list[tuple[str, dict[str, Any]]]

    @property
    def assignable(self) -> bool:
        return not self.reasons


async def candidates(case: CaseRecord, instance: Instance | None = None) -> list[Candidate]:
    instance = instance or case.instance
    parties = await parties_of(case)
    taken = await seats(case)
    found = []
    for member in await list_staff():
        if not member.roles & PANEL_ROLES or member.status != StaffStatus.active:
            continue
        reasons = conflicts_of(member, await interests_of(member.id), parties)
        mine = [seat for seat in taken if seat.staff_id == member.id]
        if any(seat.recused_at for seat in mine):
            reasons.append((WHY_RECUSED, {}))
        elif any(seat.instance == instance for seat in mine):
            reasons.append((WHY_SEATED, {}))
        if instance == Instance.appeal and any(
                seat.instance == Instance.first for seat in mine):
            reasons.append((WHY_FIRST_PANEL, {}))
        found.append(Candidate(member.id, member.name, reasons))
    return sorted(found, key=lambda c: (not c.assignable, c.name.casefold()))


async def assign(reference: str, staff_id: int, *, actor: audit.Actor,
                 settings: Settings) -> None:
    """The chair seats a member on the case (its current instance)."""
    now = _now()
    async with db.write_transaction():
        case = await stages.locked(reference)
        if case.stage not in ASSIGNABLE[case.instance]:
            raise Conflict(N_("Members cannot be assigned to a case at this stage."))
        found = {c.staff_id: c for c in await candidates(case)}
        candidate = found.get(staff_id)
        if candidate is None:
            raise Invalid(N_("Choose an active member of the ethics panel."), field="staff")
        if not candidate.assignable:
            raise Conflict(N_("This member cannot be assigned: %(why)s."),
                           why=why(candidate.reasons[0]))
        await PanelSeat.insert(PanelSeat(
            case_file=case.id, staff=staff_id, instance=case.instance, assigned_by=int(
                actor.id or 0), assigned_at=now, recusal_reason=seal(PanelSeat.recusal_reason, "")))
        await audit.record(EventTag.case_panel_assigned, actor=actor, subject=case.subject,
                           details={"staff": staff_id, "instance": case.instance.value})
        await notices.to_staff("staff_assigned", staff_ids={staff_id}, settings=settings,
                               reference=case.reference)


def why(reason: tuple[str, dict[str, Any]]) -> Words:
    message, values = reason
    return Words(message, **values)


async def _my_seat(case: CaseRecord, staff_id: int, instance: Instance | None = None
                   ) -> dict | None:
    query = PanelSeat.select().where(
        (PanelSeat.case_file == case.id) & (PanelSeat.staff == staff_id))
    if instance is not None:
        query = query.where(PanelSeat.instance == instance)
    rows = await query.order_by(_SEAT, ascending=False)
    return rows[0] if rows else None


async def confirm(reference: str, staff_id: int, *, actor: audit.Actor) -> None:
    """The member declares having no conflict: the file opens to them. A conflict found
    since the assignment (an interest declared meanwhile) is refused."""
    async with db.write_transaction():
        case = await stages.locked(reference)
        seat = await _my_seat(case, staff_id, case.instance)
        if seat is None or seat["recused_at"] is not None:
            raise Forbidden(N_("You are not assigned to this case."))
        if seat["confirmed_at"] is not None:
            return
        member = await staff_member(staff_id)
        assert member is not None, "a seat belongs to a member"
        reasons = conflicts_of(member, await interests_of(staff_id), await parties_of(case))
        if reasons:
            raise Conflict(N_("You cannot confirm: %(why)s. Recuse yourself instead."),
                           why=why(reasons[0]))
        await PanelSeat.update({PanelSeat.confirmed_at: _now()}).where(_SEAT == seat["id"])
        await audit.record(EventTag.case_panel_confirmed, actor=actor, subject=case.subject,
                           details={"instance": seat["instance"]})


async def recuse(reference: str, staff_id: int, reason: str, *, actor: audit.Actor,
                 settings: Settings) -> None:
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 2000:
        raise Invalid(N_("Give the reason for the recusal (3 to 2000 characters)."),
                      field="reason")
    async with db.write_transaction():
        case = await stages.locked(reference)
        seat = await _my_seat(case, staff_id, case.instance)
        if seat is None or seat["recused_at"] is not None:
            raise Forbidden(N_("You are not assigned to this case."))
        await PanelSeat.update({PanelSeat.recused_at: _now(), PanelSeat.recusal_reason: seal(
            PanelSeat.recusal_reason, reason)}).where(_SEAT == seat["id"])
        await audit.record(EventTag.case_panel_recused, actor=actor, subject=case.subject,
                           details={"instance": seat["instance"]})
        await notices.to_staff("staff_recusal", roles={Role.panel_chair}, settings=settings,
                               reference=case.reference)
        from registry.cases import decisions  # the votes build on the panel

        await decisions.recount(case, actor=actor, settings=settings)


# --- Who may see and act ---------------------------------------------------------------

async def _refused(case: CaseRecord, actor: audit.Actor, what: str, message: str) -> Forbidden:
    """A refusal to open the file or act in it, audited: in a transaction of its own,
    after the refused request's transaction has rolled back."""

    async def record() -> None:
        await audit.record(EventTag.case_file_refused, actor=actor, subject=case.subject,
                           details={"what": what})

    if db.in_write_transaction():
        db.after_end(record)
    else:
        async with db.write_transaction():
            await record()
    return Forbidden(message)


async def require_open(case: CaseRecord, staff_id: int, *, actor: audit.Actor,
                       what: str = "file", instance: Instance | None = None) -> None:
    """The member holds a seat on the case (of `instance`, if given), not recused, and has
    confirmed having no conflict; otherwise a refusal, audited."""
    seat = await _my_seat(case, staff_id, instance)
    if seat is None or seat["recused_at"] is not None:
        raise await _refused(case, actor, what, NOT_SEATED)
    if seat["confirmed_at"] is None:
        raise await _refused(case, actor, what, NOT_CONFIRMED)
    member = await staff_member(staff_id)
    if member is None or conflicts_of(member, await interests_of(staff_id),
                                      await parties_of(case)):
        # An interest declared since the confirmation: recuse, do not act.
        raise await _refused(case, actor, what, CONFLICTED_SINCE)


NOT_FREE = N_("You have a conflict of interest in this case, recused yourself from it, or sat "
              "on the panel whose decision is appealed: another chair acts in it.")


async def require_free(case: CaseRecord, actor: audit.Actor) -> None:
    """A chair who acts in a case without sitting on it (publication) must be free of
    conflict in it; the operator at the command line is not a staff member."""
    if actor.kind != "staff" or actor.id is None:
        return
    staff_id = int(actor.id)
    seat = await _my_seat(case, staff_id)
    member = await staff_member(staff_id)
    first_panel = case.instance == Instance.appeal and await _my_seat(
        case, staff_id, Instance.first) is not None
    if member is None or first_panel or (seat is not None and seat["recused_at"] is not None) or (
            conflicts_of(member, await interests_of(staff_id), await parties_of(case))):
        raise await _refused(case, actor, "publish", NOT_FREE)


def reading_instance(case: CaseRecord) -> Instance | None:
    """Whose file it is to read: during the appeal, the appeal panel's alone (the first
    panel must not read its drafts and votes); otherwise anyone who sat on the case."""
    return case.instance if case.stage in stages.APPEAL_STAGES else None


async def opened_by(case: CaseRecord, staff_id: int, *, actor: audit.Actor,
                    attachment: int | None = None, checked: bool = False) -> None:
    """Record that a member opened the case file (or one attachment of it), once
    `require_open` admits them (unless the caller `checked` already)."""
    if not checked:
        await require_open(case, staff_id, actor=actor,
                           what="attachment" if attachment else "file",
                           instance=reading_instance(case))
    async with db.write_transaction():
        if attachment is None:
            await audit.record(EventTag.case_file_opened, actor=actor, subject=case.subject)
        else:
            await audit.record(EventTag.case_attachment_opened, actor=actor,
                               subject=case.subject, details={"attachment": attachment})


async def sitting(case: CaseRecord, instance: Instance) -> list[dict]:
    """The seats of an instance whose members have not recused (the panel that decides)."""
    return await PanelSeat.select().where(
        (PanelSeat.case_file == case.id) & (PanelSeat.instance == instance)
        & PanelSeat.recused_at.is_null())


async def seated_ids(case: CaseRecord, instance: Instance) -> set[int]:
    return {row["staff"] for row in await sitting(case, instance)}

