"""The rules for staff accounts: creation, enrolment, login, sessions, disable, reset.

Every change is one function, one write transaction, with its audit event (and its
mail, through the outbox) in that same transaction. Refusals say one generic thing to
the person at the door and the precise reason to the audit trail.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from registry import db, keys
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.mail import services as mail
from registry.settings import Settings
from registry.staff import passwords, totp
from registry.staff.permissions import (
    Permission,
    Role,
    parse_roles,
    permissions_of,
    store_roles,
)
from registry.staff.tables import (
    EnrolmentLink,
    LoginThrottle,
    RecoveryCode,
    SessionStage,
    StaffMember,
    StaffSession,
    StaffStatus,
)
from registry.web.i18n import N_

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
RECOVERY_CODES = 10
PENDING_LOGIN = timedelta(minutes=5)
TOUCH_EVERY = timedelta(seconds=60)
GENERIC_REFUSAL = N_("The e-mail address, password or code is not right, or there were too "
                     "many attempts. Wait a few minutes and try again.")

_MEMBER = StaffMember._meta.primary_key
_LINK = EnrolmentLink._meta.primary_key
_SESSION = StaffSession._meta.primary_key
_CODE = RecoveryCode._meta.primary_key


class StaffError(ValueError):
    """A request about staff accounts that cannot be carried out; the message says why."""


class LoginRefused(Exception):
    """Login failed. Deliberately says nothing more: the reason is in the audit trail."""

    def __init__(self) -> None:
        super().__init__(GENERIC_REFUSAL)


class EnrolmentRefused(Exception):
    def __init__(self) -> None:
        super().__init__(N_("This enrolment link is not valid: it may have expired or have "
                            "been used already. Ask an administrator for a new one."))


class FailureReason(StrEnum):
    unknown_account = "unknown_account"
    not_active = "not_active"
    wrong_password = "wrong_password"  # noqa: S105 - a reason, not a password
    wrong_code = "wrong_code"
    replayed_code = "replayed_code"
    throttled = "throttled"
    expired_step = "expired_step"


@dataclass(frozen=True)
class StaffPrincipal:
    """Who is logged in, as the guards see it."""

    id: int
    name: str
    roles: frozenset[Role]
    session_id: int

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)


@dataclass(frozen=True)
class StaffListing:
    id: int
    email: str
    name: str
    roles: frozenset[Role]
    status: StaffStatus
    created_at: datetime
    enrolled_at: datetime | None


@dataclass(frozen=True)
class EnrolmentView:
    name: str
    email: str
    totp_secret: str
    provisioning_uri: str


def _now() -> datetime:
    return datetime.now(UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFC", email.strip()).casefold()


def _email_lookup(email: str) -> str:
    return keys.keyring().lookup_hash(normalise_email(email), purpose="staff-email")


def _recovery_hash(code: str) -> str:
    cleaned = code.strip().replace("-", "").replace(" ", "").upper()
    return keys.keyring().lookup_hash(cleaned, purpose="staff-recovery-code")


def _encrypt(value: str, column: str) -> str:
    return keys.keyring().cipher.encrypt(value, purpose=column)


def _decrypt(value: str, column: str) -> str:
    return keys.keyring().cipher.decrypt(value, purpose=column)


def enrolment_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/staff/enrol/{token}"


async def _new_enrolment_link(staff_id: int, settings: Settings, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    await EnrolmentLink.insert(EnrolmentLink(
        staff=staff_id,
        token_hash=_token_hash(token),
        totp_secret=_encrypt(totp.new_secret(), "staff_enrolment_link.totp_secret"),
        created_at=now,
        expires_at=now + timedelta(hours=settings.enrolment_link_hours),
    ))
    return token


def _validated(email: str, name: str, roles: frozenset[Role]) -> tuple[str, str]:
    email, name = email.strip(), " ".join(name.split())
    if not EMAIL.match(email) or len(email) > 254:
        raise StaffError(f"{email[:100]!r} is not an e-mail address.")
    if not 1 <= len(name) <= 200 or any(unicodedata.category(c) == "Cc" for c in name):
        raise StaffError("The name must be 1 to 200 printable characters.")
    if not roles:
        raise StaffError(f"Give at least one role: {', '.join(r.value for r in Role)}.")
    return email, name


async def create_staff(
    email: str, name: str, roles: frozenset[Role], *, actor: audit.Actor,
    settings: Settings, language: str = "en", send_mail: bool = False,
) -> tuple[int, str]:
    """Create an account waiting for enrolment; returns its id and the one-time link."""
    email, name = _validated(email, name, roles)
    now = _now()
    async with db.write_transaction():
        if await StaffMember.exists().where(StaffMember.email_lookup == _email_lookup(email)):
            raise StaffError("A staff account with this e-mail address already exists.")
        with db.unique_violations_as_domain_error():
            rows = await StaffMember.insert(StaffMember(
                email_lookup=_email_lookup(email),
                email=_encrypt(email, "staff_member.email"),
                name=_encrypt(name, "staff_member.name"),
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
        EnrolmentLink.token_hash == _token_hash(token)).first() if len(token) < 200 else None
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
        async with db.write_transaction():
            await audit.record(EventTag.staff_enrolment_refused, actor=audit.ANONYMOUS,
                               subject=f"staff:{link['staff']}" if link else None,
                               details={"reason": reason})
        raise EnrolmentRefused()
    assert link is not None and member is not None
    return link, member


async def open_enrolment(token: str) -> EnrolmentView:
    link, member = await _valid_link(token, _now())
    email = _decrypt(member["email"], "staff_member.email")
    secret = _decrypt(link["totp_secret"], "staff_enrolment_link.totp_secret")
    return EnrolmentView(name=_decrypt(member["name"], "staff_member.name"), email=email,
                         totp_secret=secret,
                         provisioning_uri=totp.provisioning_uri(secret, email))


async def complete_enrolment(
    token: str, password: str, password_again: str, code: str, *, settings: Settings
) -> list[str]:
    """Set the password and second factor; returns the recovery codes (shown once)."""
    now = _now()
    link, member = await _valid_link(token, now)
    if password != password_again:
        raise StaffError(N_("The two passwords are not the same."))
    name = _decrypt(member["name"], "staff_member.name")
    email = _decrypt(member["email"], "staff_member.email")
    found = passwords.problems(password, min_length=settings.password_min_length,
                               personal=(name, *name.split(), email.split("@")[0]))
    if found:
        raise StaffError(" ".join(found))
    secret = _decrypt(link["totp_secret"], "staff_enrolment_link.totp_secret")
    step = totp.accepted_step(secret, code, last_step=None)
    if step is None:
        raise StaffError(N_("The code from the authenticator app is not right. Check that "
                            "the phone's clock is correct and enter the current code."))
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
            StaffMember.totp_secret: _encrypt(secret, "staff_member.totp_secret"),
            StaffMember.totp_last_step: step,
            StaffMember.status: StaffStatus.active,
            StaffMember.enrolled_at: now,
        }).where(_MEMBER == member["id"])
        await _end_sessions(member["id"], now)
        await RecoveryCode.update({RecoveryCode.used_at: now}).where(
            (RecoveryCode.staff == member["id"]) & RecoveryCode.used_at.is_null())
        await RecoveryCode.insert(*[
            RecoveryCode(staff=member["id"], code_hash=_recovery_hash(c), created_at=now)
            for c in codes])
        await audit.record(EventTag.staff_account_enrolled, actor=audit.staff_actor(member["id"]),
                           subject=f"staff:{member['id']}")
        await mail.queue(email, "staff_enrolled", language=member["language"],
                         context={"name": name, "url": f"{settings.base_url}/staff/login"})
    return codes


def _new_recovery_code() -> str:
    raw = secrets.token_hex(6).upper()  # 48 bits, one use, behind the password
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# --- Login ---------------------------------------------------------------------------


def client_bucket(client_address: str | None, now: datetime | None = None) -> str | None:
    """The throttle bucket for a client: a keyed hash of the day and the address.

    The address is never stored; with the key kept outside the database and the day
    mixed in, a copy of the database does not tell who tried to log in, nor link days.
    """
    if not client_address:
        return None
    day = (now or _now()).date().isoformat()
    return keys.keyring().lookup_hash(f"client:{day}:{client_address}", purpose="throttle")


def _account_bucket(email: str) -> str:
    return keys.keyring().lookup_hash(f"account:{normalise_email(email)}", purpose="throttle")


def _window(settings: Settings, now: datetime) -> datetime:
    size = settings.login_window_minutes * 60
    return datetime.fromtimestamp(int(now.timestamp()) // size * size, UTC)


async def _throttled(buckets: list[tuple[str, int]], settings: Settings, now: datetime) -> bool:
    window = _window(settings, now)
    for bucket, limit in buckets:
        row = await LoginThrottle.select(LoginThrottle.failures).where(
            (LoginThrottle.bucket == bucket) & (LoginThrottle.window_start == window)).first()
        if row and row["failures"] >= limit:
            return True
    return False


async def _count_failure(buckets: list[str], settings: Settings, now: datetime) -> None:
    window = _window(settings, now)
    for bucket in buckets:
        # The same upsert in both engines' dialects.
        await LoginThrottle.raw(
            "INSERT INTO staff_login_throttle (bucket, window_start, failures) "
            "VALUES ({}, {}, 1) ON CONFLICT (bucket, window_start) "
            "DO UPDATE SET failures = staff_login_throttle.failures + 1",
            bucket, window)
    await LoginThrottle.delete().where(
        LoginThrottle.window_start < window - timedelta(minutes=settings.login_window_minutes))


async def _refuse(reason: FailureReason, *, staff_id: int | None, buckets: list[str],
                  settings: Settings, now: datetime, step: str) -> LoginRefused:
    async with db.write_transaction():
        await _count_failure(buckets, settings, now)
        await audit.record(EventTag.staff_login_failed, actor=audit.ANONYMOUS,
                           subject=f"staff:{staff_id}" if staff_id else None,
                           details={"reason": reason.value, "step": step})
    return LoginRefused()


async def begin_login(email: str, password: str, *, client: str | None,
                      settings: Settings) -> str:
    """First step: the password. Returns a token for the second step."""
    now = _now()
    account = _account_bucket(email[:254])
    buckets = [account] + ([client] if client else [])
    limits = [(account, settings.login_max_failures_per_account)] + (
        [(client, settings.login_max_failures_per_client)] if client else [])
    member = await StaffMember.select().where(
        StaffMember.email_lookup == _email_lookup(email[:254])).first()
    staff_id = member["id"] if member else None
    if await _throttled(limits, settings, now):
        # Still hash, so a throttled attempt takes as long as any other.
        passwords.verify(None, password)
        raise await _refuse(FailureReason.throttled, staff_id=staff_id, buckets=buckets,
                            settings=settings, now=now, step="password")
    password_ok = passwords.verify(member["password_hash"] if member else None, password)
    reason = (FailureReason.unknown_account if member is None
              else FailureReason.wrong_password if not password_ok
              else FailureReason.not_active if member["status"] != StaffStatus.active
              else None)
    if reason is not None:
        raise await _refuse(reason, staff_id=staff_id, buckets=buckets, settings=settings,
                            now=now, step="password")
    assert member is not None
    token = secrets.token_urlsafe(32)
    async with db.write_transaction():
        await StaffSession.insert(StaffSession(
            staff=member["id"], token_hash=_token_hash(token), stage=SessionStage.password,
            created_at=now, last_seen_at=now, expires_at=now + PENDING_LOGIN))
    return token


async def finish_login(pending_token: str, code: str, *, client: str | None,
                       settings: Settings) -> str:
    """Second step: a code from the authenticator, or a recovery code. Returns the
    session token (a new one: the pending token never becomes the session)."""
    now = _now()
    pending = await StaffSession.select().where(
        StaffSession.token_hash == _token_hash(pending_token[:200])).first()
    if (pending is None or pending["stage"] != SessionStage.password
            or pending["ended_at"] is not None or pending["expires_at"] <= now):
        raise await _refuse(FailureReason.expired_step, staff_id=None,
                            buckets=[client] if client else [], settings=settings, now=now,
                            step="code")
    member = await StaffMember.select().where(_MEMBER == pending["staff"]).first()
    assert member is not None
    email = _decrypt(member["email"], "staff_member.email")
    account = _account_bucket(email)
    buckets = [account] + ([client] if client else [])
    limits = [(account, settings.login_max_failures_per_account)] + (
        [(client, settings.login_max_failures_per_client)] if client else [])
    if await _throttled(limits, settings, now) or member["status"] != StaffStatus.active:
        reason = (FailureReason.throttled if member["status"] == StaffStatus.active
                  else FailureReason.not_active)
        raise await _refuse(reason, staff_id=member["id"], buckets=buckets,
                            settings=settings, now=now, step="code")

    secret = _decrypt(member["totp_secret"], "staff_member.totp_secret")
    step = totp.accepted_step(secret, code, last_step=member["totp_last_step"])
    recovery = None
    if step is None and not code.strip().isdigit():
        recovery = await RecoveryCode.select().where(
            (RecoveryCode.staff == member["id"]) & RecoveryCode.used_at.is_null()
            & (RecoveryCode.code_hash == _recovery_hash(code[:40]))).first()
    if step is None and recovery is None:
        replayed = totp.accepted_step(secret, code, last_step=None) is not None
        raise await _refuse(FailureReason.replayed_code if replayed else FailureReason.wrong_code,
                            staff_id=member["id"], buckets=buckets, settings=settings,
                            now=now, step="code")

    token = secrets.token_urlsafe(32)
    async with db.write_transaction():
        if step is not None:
            # Compare-and-set: of two logins racing with the same code, one wins.
            taken = await StaffMember.update({StaffMember.totp_last_step: step}).where(
                (_MEMBER == member["id"]) & (
                    StaffMember.totp_last_step.is_null() | (StaffMember.totp_last_step < step))
            ).returning(_MEMBER)
        else:
            assert recovery is not None
            taken = await RecoveryCode.update({RecoveryCode.used_at: now}).where(
                (_CODE == recovery["id"]) & RecoveryCode.used_at.is_null()).returning(_CODE)
            if taken:
                await audit.record(EventTag.staff_recovery_code_used,
                                   actor=audit.staff_actor(member["id"]),
                                   subject=f"staff:{member['id']}")
        if not taken:
            raise LoginRefused()
        await StaffSession.update({StaffSession.ended_at: now}).where(_SESSION == pending["id"])
        await StaffSession.insert(StaffSession(
            staff=member["id"], token_hash=_token_hash(token), stage=SessionStage.complete,
            created_at=now, last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours)))
        await audit.record(EventTag.staff_login_succeeded, actor=audit.staff_actor(member["id"]),
                           subject=f"staff:{member['id']}",
                           details={"second_factor": "totp" if step is not None else "recovery"})
    return token


async def authenticate(token: str, *, settings: Settings) -> StaffPrincipal | None:
    """The staff member behind a session cookie, if the session is still alive."""
    if not token or len(token) > 200:
        return None
    now = _now()
    session = await StaffSession.select().where(
        StaffSession.token_hash == _token_hash(token)).first()
    if (session is None or session["stage"] != SessionStage.complete
            or session["ended_at"] is not None or session["expires_at"] <= now
            or now - session["last_seen_at"] > timedelta(minutes=settings.session_idle_minutes)):
        return None
    member = await StaffMember.select(
        _MEMBER, StaffMember.name, StaffMember.roles, StaffMember.status
    ).where(_MEMBER == session["staff"]).first()
    if member is None or member["status"] != StaffStatus.active:
        return None
    if now - session["last_seen_at"] > TOUCH_EVERY:
        await StaffSession.update({StaffSession.last_seen_at: now}).where(
            _SESSION == session["id"])
    return StaffPrincipal(id=member["id"], name=_decrypt(member["name"], "staff_member.name"),
                          roles=parse_roles(member["roles"]), session_id=session["id"])


async def logout(token: str) -> None:
    now = _now()
    session = await StaffSession.select().where(
        StaffSession.token_hash == _token_hash(token[:200])).first()
    if session is None or session["ended_at"] is not None:
        return
    async with db.write_transaction():
        await StaffSession.update({StaffSession.ended_at: now}).where(_SESSION == session["id"])
        await audit.record(EventTag.staff_session_ended, actor=audit.staff_actor(session["staff"]),
                           subject=f"staff:{session['staff']}", details={"why": "logout"})


async def _end_sessions(staff_id: int, now: datetime) -> None:
    await StaffSession.update({StaffSession.ended_at: now}).where(
        (StaffSession.staff == staff_id) & StaffSession.ended_at.is_null())


# --- Administration --------------------------------------------------------------------


async def find_staff(reference: str) -> int:
    """An account by id or e-mail address (as the CLI takes it)."""
    if reference.isdigit():
        row = await StaffMember.select(_MEMBER).where(_MEMBER == int(reference)).first()
    else:
        row = await StaffMember.select(_MEMBER).where(
            StaffMember.email_lookup == _email_lookup(reference)).first()
    if row is None:
        raise StaffError(f"No staff account {reference[:100]!r}.")
    return row["id"]


async def disable_staff(staff_id: int, *, actor: audit.Actor) -> None:
    now = _now()
    async with db.write_transaction():
        member = await StaffMember.select(StaffMember.status).where(_MEMBER == staff_id).first()
        if member is None:
            raise StaffError(f"No staff account {staff_id}.")
        if member["status"] == StaffStatus.disabled:
            raise StaffError(f"Staff account {staff_id} is already disabled.")
        await StaffMember.update({StaffMember.status: StaffStatus.disabled,
                                  StaffMember.disabled_at: now}).where(_MEMBER == staff_id)
        await _end_sessions(staff_id, now)
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
            raise StaffError(f"No staff account {staff_id}.")
        await StaffMember.update({
            StaffMember.status: StaffStatus.enrolling, StaffMember.password_hash: None,
            StaffMember.totp_secret: None, StaffMember.totp_last_step: None,
            StaffMember.disabled_at: None,
        }).where(_MEMBER == staff_id)
        await _end_sessions(staff_id, now)
        await EnrolmentLink.update({EnrolmentLink.used_at: now}).where(
            (EnrolmentLink.staff == staff_id) & EnrolmentLink.used_at.is_null())
        await RecoveryCode.update({RecoveryCode.used_at: now}).where(
            (RecoveryCode.staff == staff_id) & RecoveryCode.used_at.is_null())
        token = await _new_enrolment_link(staff_id, settings, now)
        await audit.record(EventTag.staff_account_reset, actor=actor, subject=f"staff:{staff_id}",
                           details={"was": member["status"]})
    return enrolment_url(settings, token)


async def list_staff() -> list[StaffListing]:
    rows = await StaffMember.select().order_by(_MEMBER)
    return [StaffListing(
        id=row["id"], email=_decrypt(row["email"], "staff_member.email"),
        name=_decrypt(row["name"], "staff_member.name"), roles=parse_roles(row["roles"]),
        status=StaffStatus(row["status"]), created_at=row["created_at"],
        enrolled_at=row["enrolled_at"]) for row in rows]
