"""The rules for staff accounts: creation, enrolment, disable, reset (login: login.py).

Every change is one function, one write transaction, with its audit event (and its
mail, through the outbox) in that same transaction. Refusals say one generic thing to
the person at the door and the precise reason to the audit trail.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from registry import db, keys, runtime, validation
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.keys.sealed import seal, unseal
from registry.keys.tokens import new_token, token_hash
from registry.mail import services as mail
from registry.refusals import Conflict, Invalid, NotFound, untranslated
from registry.settings import Settings
from registry.staff import passwords, tallies, totp
from registry.staff.permissions import (
    Role,
    parse_roles,
    store_roles,
)
from registry.staff.tables import (
    EnrolmentLink,
    RecoveryCode,
    StaffMember,
    StaffSession,
    StaffStatus,
)
from registry.translation import N_

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
RECOVERY_CODES = 10

_MEMBER = StaffMember._meta.primary_key
_LINK = EnrolmentLink._meta.primary_key
_SESSION = StaffSession._meta.primary_key
_CODE = RecoveryCode._meta.primary_key


class EnrolmentRefused(NotFound):
    """An enrolment link that does not work, whatever the reason (the audit trail has it)."""

    def __init__(self) -> None:
        super().__init__(N_("This enrolment link is not valid: it may have expired or have "
                            "been used already. Ask an administrator for a new one."))


class WeakPassword(Invalid):
    """Every problem with a new password, each in words of its own."""

    def __init__(self, problems: list[Invalid]) -> None:
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems

    def text(self, gettext: Callable[[str], str] = untranslated) -> str:
        return " ".join(problem.text(gettext) for problem in self.problems)


@dataclass(frozen=True)
class StaffListing:
    id: int
    email: str
    name: str
    roles: frozenset[Role]
    status: StaffStatus
    created_at: datetime
    enrolled_at: datetime | None
    language: str = "en"


@dataclass(frozen=True)
class EnrolmentView:
    name: str
    email: str
    totp_secret: str
    provisioning_uri: str


def _now() -> datetime:
    return datetime.now(UTC)


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFC", email.strip()).casefold()


def email_lookup(email: str) -> str:
    return keys.keyring().lookup_hash(normalise_email(email), purpose="staff-email")


def recovery_hash(code: str) -> str:
    cleaned = code.strip().replace("-", "").replace(" ", "").upper()
    return keys.keyring().lookup_hash(cleaned, purpose="staff-recovery-code")


def enrolment_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/staff/enrol/{token}"


async def _new_enrolment_link(staff_id: int, settings: Settings, now: datetime) -> str:
    token, hashed = new_token()
    await EnrolmentLink.insert(EnrolmentLink(
        staff=staff_id,
        token_hash=hashed,
        totp_secret=seal(EnrolmentLink.totp_secret, totp.new_secret()),
        created_at=now,
        expires_at=now + timedelta(hours=settings.enrolment_link_hours),
    ))
    return token


def _validated(email: str, name: str, roles: frozenset[Role]) -> tuple[str, str]:
    email, name = email.strip(), " ".join(name.split())
    if not EMAIL.match(email) or len(email) > 254:
        raise Invalid(N_("%(email)r is not an e-mail address."), email=email[:100])
    if not 1 <= len(name) <= 200 or validation.hidden_character(name) is not None:
        raise Invalid(N_("The name must be 1 to 200 printable characters."))
    if not roles:
        raise Invalid(N_("Give at least one role: %(roles)s."),
                      roles=", ".join(r.value for r in Role))
    return email, name


async def create_staff(
    email: str, name: str, roles: frozenset[Role], *, actor: audit.Actor,
    settings: Settings, language: str = "en", send_mail: bool = False,
) -> tuple[int, str]:
    """Create an account waiting for enrolment; returns its id and the one-time link."""
    email, name = _validated(email, name, roles)
    now = _now()
    async with db.write_transaction():
        if await StaffMember.exists().where(StaffMember.email_lookup == email_lookup(email)):
            raise Conflict(N_("A staff account with this e-mail address already exists."))
        with db.unique_violations_as_domain_error():
            rows = await StaffMember.insert(StaffMember(
                email_lookup=email_lookup(email),
                email=seal(StaffMember.email, email),
                name=seal(StaffMember.name, name),
                roles=store_roles(roles),
                language=language,
                status=StaffStatus.enrolling,
                created_at=now,
            ))
        staff_id = rows[0]["id"]
        token = await _new_enrolment_link(staff_id, settings, now)
        await audit.record(EventTag.staff_account_created, actor=actor,
                           subject=f"staff:{staff_id}",
                           details={"roles": sorted(r.value for r in roles),
                                    "link_mailed": send_mail})
        if send_mail:
            await mail.queue(email, "staff_enrolment", language=language, context={
                "name": name, "url": enrolment_url(settings, token),
                "hours": settings.enrolment_link_hours})
    return staff_id, enrolment_url(settings, token)


async def _valid_link(token: str, now: datetime) -> tuple[dict, dict]:
    link = await EnrolmentLink.select().where(
        EnrolmentLink.token_hash == token_hash(token)).first() if len(token) < 200 else None
    reason = None
    if link is None:
        reason = "unknown"
    elif link["used_at"] is not None:
        reason = "used"
    elif link["expires_at"] <= now:
        reason = "expired"
    member = await StaffMember.select().where(_MEMBER == link["staff"]).first() if link else None
    if reason is None and (member is None or member["status"] != StaffStatus.enrolling):
        reason = "account_not_enrolling"
    if reason is not None:
        await _record_refusal(reason, link, now)
        raise EnrolmentRefused()
    assert link is not None and member is not None
    return link, member


async def _record_refusal(reason: str, link: dict | None, now: datetime) -> None:
    """A link that was one is recorded; a made-up one names nobody, and anyone can try
    them without end, so it is only counted for its window's event (tallies.py)."""
    if link is not None:
        async with db.write_transaction():
            await audit.record(EventTag.staff_enrolment_refused, actor=audit.ANONYMOUS,
                               subject=f"staff:{link['staff']}", details={"reason": reason})
        return
    settings = runtime.settings()
    await tallies.record_closed(settings, now)
    async with db.write_transaction():
        await tallies.count(EventTag.staff_enrolment_refusals_counted, reason,
                            settings=settings, now=now)


async def open_enrolment(token: str) -> EnrolmentView:
    link, member = await _valid_link(token, _now())
    email = unseal(StaffMember.email, member["email"])
    secret = unseal(EnrolmentLink.totp_secret, link["totp_secret"])
    return EnrolmentView(name=unseal(StaffMember.name, member["name"]), email=email,
                         totp_secret=secret,
                         provisioning_uri=totp.provisioning_uri(secret, email))


async def complete_enrolment(
    token: str, password: str, password_again: str, code: str, *, settings: Settings
) -> list[str]:
    """Set the password and second factor; returns the recovery codes (shown once)."""
    now = _now()
    link, member = await _valid_link(token, now)
    if password != password_again:
        raise Invalid(N_("The two passwords are not the same."), field="password_again")
    name = unseal(StaffMember.name, member["name"])
    email = unseal(StaffMember.email, member["email"])
    found = passwords.problems(password, min_length=settings.password_min_length,
                               personal=(name, *name.split(), email.split("@")[0]))
    if found:
        raise WeakPassword(found)
    secret = unseal(EnrolmentLink.totp_secret, link["totp_secret"])
    step = totp.accepted_step(secret, code, last_step=None)
    if step is None:
        raise Invalid(N_("The code from the authenticator app is not right. Check that "
                         "the phone's clock is correct and enter the current code."),
                      field="code")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    password_hash = passwords.hash_password(password)
    async with db.write_transaction():
        # Mark the link used first, and only if still unused: two submissions race here.
        used = await EnrolmentLink.update({EnrolmentLink.used_at: now}).where(
            (_LINK == link["id"]) & EnrolmentLink.used_at.is_null()
        ).returning(_LINK)
        if not used:
            raise EnrolmentRefused()
        await StaffMember.update({
            StaffMember.password_hash: password_hash,
            StaffMember.totp_secret: seal(StaffMember.totp_secret, secret),
            StaffMember.totp_last_step: step,
            StaffMember.status: StaffStatus.active,
            StaffMember.enrolled_at: now,
        }).where(_MEMBER == member["id"])
        await end_sessions(member["id"], now)
        await RecoveryCode.update({RecoveryCode.used_at: now}).where(
            (RecoveryCode.staff == member["id"]) & RecoveryCode.used_at.is_null())
        await RecoveryCode.insert(*[
            RecoveryCode(staff=member["id"], code_hash=recovery_hash(c), created_at=now)
            for c in codes])
        await audit.record(EventTag.staff_account_enrolled, actor=audit.staff_actor(member["id"]),
                           subject=f"staff:{member['id']}")
        await mail.queue(email, "staff_enrolled", language=member["language"],
                         context={"name": name, "url": f"{settings.base_url}/staff/login"})
    return codes


def _new_recovery_code() -> str:
    raw = secrets.token_hex(6).upper()  # 48 bits, one use, behind the password
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


async def end_sessions(staff_id: int, now: datetime) -> None:
    await StaffSession.update({StaffSession.ended_at: now}).where(
        (StaffSession.staff == staff_id) & StaffSession.ended_at.is_null())


# --- Administration --------------------------------------------------------------------


async def find_staff(reference: str) -> int:
    """An account by id or e-mail address (as the CLI takes it)."""
    if reference.isdigit():
        row = await StaffMember.select(_MEMBER).where(_MEMBER == int(reference)).first()
    else:
        row = await StaffMember.select(_MEMBER).where(
            StaffMember.email_lookup == email_lookup(reference)).first()
    if row is None:
        raise NotFound(N_("No staff account %(account)r."), account=reference[:100])
    return row["id"]


async def disable_staff(staff_id: int, *, actor: audit.Actor) -> None:
    now = _now()
    async with db.write_transaction():
        member = await StaffMember.select(StaffMember.status).where(_MEMBER == staff_id).first()
        if member is None:
            raise NotFound(N_("No staff account %(account)s."), account=staff_id)
        if member["status"] == StaffStatus.disabled:
            raise Conflict(N_("Staff account %(account)s is already disabled."),
                           account=staff_id)
        await StaffMember.update({StaffMember.status: StaffStatus.disabled,
                                  StaffMember.disabled_at: now}).where(_MEMBER == staff_id)
        await end_sessions(staff_id, now)
        await EnrolmentLink.update({EnrolmentLink.used_at: now}).where(
            (EnrolmentLink.staff == staff_id) & EnrolmentLink.used_at.is_null())
        await audit.record(EventTag.staff_account_disabled, actor=actor,
                           subject=f"staff:{staff_id}")


async def reset_staff(staff_id: int, *, actor: audit.Actor, settings: Settings) -> str:
    """Forget the password and second factor, end every session, issue a new link."""
    now = _now()
    async with db.write_transaction():
        member = await StaffMember.select(StaffMember.status).where(_MEMBER == staff_id).first()
        if member is None:
            raise NotFound(N_("No staff account %(account)s."), account=staff_id)
        await StaffMember.update({
            StaffMember.status: StaffStatus.enrolling, StaffMember.password_hash: None,
            StaffMember.totp_secret: None, StaffMember.totp_last_step: None,
            StaffMember.disabled_at: None,
        }).where(_MEMBER == staff_id)
        await end_sessions(staff_id, now)
        await EnrolmentLink.update({EnrolmentLink.used_at: now}).where(
            (EnrolmentLink.staff == staff_id) & EnrolmentLink.used_at.is_null())
        await RecoveryCode.update({RecoveryCode.used_at: now}).where(
            (RecoveryCode.staff == staff_id) & RecoveryCode.used_at.is_null())
        token = await _new_enrolment_link(staff_id, settings, now)
        await audit.record(EventTag.staff_account_reset, actor=actor, subject=f"staff:{staff_id}",
                           details={"was": member["status"]})
    return enrolment_url(settings, token)


def _listing(row: dict) -> StaffListing:
    return StaffListing(
        id=row["id"], email=unseal(StaffMember.email, row["email"]),
        name=unseal(StaffMember.name, row["name"]), roles=parse_roles(row["roles"]),
        status=StaffStatus(row["status"]), created_at=row["created_at"],
        enrolled_at=row["enrolled_at"], language=row["language"])


async def list_staff() -> list[StaffListing]:
    return [_listing(row) for row in await StaffMember.select().order_by(_MEMBER)]


async def staff_member(staff_id: int) -> StaffListing | None:
    """One member, opened (without opening everyone else's row)."""
    row = await StaffMember.select().where(_MEMBER == staff_id).first()
    return _listing(row) if row else None
