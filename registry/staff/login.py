"""Logging in: the password, then a code; sessions; the throttle on failures.

Every failure gets the same words (GENERIC_REFUSAL). The throttle's counts live in the
database, so all workers share them.

Lockout follows OWASP's device cookies: a successful login leaves a signed cookie in the
browser, and a later attempt that brings it for the same account counts its failures
against that browser's own allowance. The account's allowance (and the per-client one)
is for unknown clients only, so an attacker's wrong passwords lock out the attacker and
every other unknown client, never the staff member on a browser they logged in from.

An attempt that nobody can be held to (an unknown account, a wrong password from an
unknown client, a throttled attempt, an expired step) is counted per window and the
count recorded as one audit event (tallies.py); the others (a wrong code after the right
password, a known device's wrong password, a disabled account) each get their event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from registry import db, keys
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.keys.sealed import unseal
from registry.keys.tokens import new_token, token_hash
from registry.limits import services as limits
from registry.refusals import Invalid
from registry.settings import Settings
from registry.staff import passwords, tallies, totp
from registry.staff.permissions import Permission, Role, parse_roles, permissions_of
from registry.staff.services import (
    email_lookup,
    normalise_email,
    recovery_hash,
)
from registry.staff.tables import (
    LoginThrottle,
    RecoveryCode,
    SessionStage,
    StaffMember,
    StaffSession,
    StaffStatus,
)
from registry.translation import N_

PENDING_LOGIN = timedelta(minutes=5)
TOUCH_EVERY = timedelta(seconds=60)
DEVICE_COOKIE_MAX = 200
GENERIC_REFUSAL = N_("The e-mail address, password or code is not right, or there were too "
                     "many attempts. Wait a few minutes and try again.")

_MEMBER = StaffMember._meta.primary_key
_SESSION = StaffSession._meta.primary_key
_CODE = RecoveryCode._meta.primary_key


def _now() -> datetime:
    return datetime.now(UTC)


class LoginRefused(Invalid):
    """Login failed. Deliberately says nothing more: the reason is in the audit trail."""

    def __init__(self) -> None:
        super().__init__(GENERIC_REFUSAL)


class FailureReason(StrEnum):
    unknown_account = "unknown_account"
    not_active = "not_active"
    wrong_password = "wrong_password"  # noqa: S105 - a reason, not a password
    wrong_code = "wrong_code"
    replayed_code = "replayed_code"
    throttled = "throttled"
    expired_step = "expired_step"


# Failures someone can be held to, each recorded: the right password was given (a code
# is wrong or replayed, the account is disabled), bounded by the throttle.
ATTRIBUTED = frozenset({FailureReason.wrong_code, FailureReason.replayed_code,
                        FailureReason.not_active})


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


def client_bucket(client_address: str | None, now: datetime | None = None) -> str | None:
    """The throttle bucket for a client: a keyed hash of the day and the client (an IPv6
    one is its /64, as for the public's limits: `limits.client_of`).

    The address is never stored; with the key kept outside the database and the day
    mixed in, a copy of the database does not tell who tried to log in, nor link days.
    """
    if not client_address:
        return None
    day = (now or _now()).date().isoformat()
    client = limits.client_of(client_address)
    return keys.keyring().lookup_hash(f"client:{day}:{client}", purpose="throttle")


def _account_bucket(email: str) -> str:
    """The bucket of an account's failures from unknown clients (no device cookie)."""
    return keys.keyring().lookup_hash(f"account:{normalise_email(email)}", purpose="throttle")


def _device_bucket(nonce: str) -> str:
    return keys.keyring().lookup_hash(f"device:{nonce}", purpose="throttle")


def _device_signature(body: str) -> str:
    return hmac.new(keys.keyring().key("staff/device-cookie"), body.encode("ascii"),
                    hashlib.sha256).hexdigest()


def new_device_cookie(staff_id: int, now: datetime | None = None) -> str:
    """The device cookie a successful login leaves: the account's id (never its address),
    a nonce that names this browser's allowance, the time it was issued; signed."""
    body = f"{staff_id}.{secrets.token_urlsafe(18)}.{int((now or _now()).timestamp())}"
    return f"{body}.{_device_signature(body)}"


def _device_nonce(cookie: str | None, member: dict | None, *, settings: Settings,
                  now: datetime) -> str | None:
    """The nonce of `cookie` if it is a device cookie of this account: signed here, for
    this account, not older than the setting allows, nor than the account's enrolment (a
    reset forgets the browsers). Anything else is an unknown client."""
    if (not cookie or member is None or len(cookie) > DEVICE_COOKIE_MAX
            or not cookie.isascii()):
        return None
    body, _, signature = cookie.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or not hmac.compare_digest(signature, _device_signature(body)):
        return None
    staff, nonce, issued = parts
    if staff != str(member["id"]) or not issued.isdigit():
        return None
    age = now.timestamp() - int(issued)
    enrolled = member["enrolled_at"]
    if age > settings.login_device_cookie_days * 86400 or (
            enrolled is not None and int(issued) < int(enrolled.timestamp())):
        return None
    return nonce


@dataclass(frozen=True)
class _Allowance:
    """Which counts an attempt is held to, with their limits; `known` if it came from a
    browser this account logged in from before."""

    limits: list[tuple[str, int]]
    known: bool

    @property
    def buckets(self) -> list[str]:
        return [bucket for bucket, _ in self.limits]


def _allowance(email: str, member: dict | None, *, device: str | None, client: str | None,
               settings: Settings, now: datetime) -> _Allowance:
    nonce = _device_nonce(device, member, settings=settings, now=now)
    if nonce is not None:
        return _Allowance([(_device_bucket(nonce), settings.login_max_failures_per_device)],
                          known=True)
    account = _account_bucket(email)
    return _Allowance([(account, settings.login_max_failures_per_account)] + (
        [(client, settings.login_max_failures_per_client)] if client else []), known=False)


async def _throttled(buckets: list[tuple[str, int]], settings: Settings, now: datetime) -> bool:
    window = tallies.window_start(settings, now)
    for bucket, limit in buckets:
        row = await LoginThrottle.select(LoginThrottle.failures).where(
            (LoginThrottle.bucket == bucket) & (LoginThrottle.window_start == window)).first()
        if row and row["failures"] >= limit:
            return True
    return False


async def _count_failure(buckets: list[str], settings: Settings, now: datetime) -> None:
    window = tallies.window_start(settings, now)
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
                  settings: Settings, now: datetime, step: str,
                  known: bool = False) -> LoginRefused:
    """Count the failure against its allowances; record it, or count it for the window's
    one event if nobody can be held to it (a throttled attempt never can: there is no
    end to them)."""
    await tallies.record_closed(settings, now)
    attributed = reason in ATTRIBUTED or (known and reason == FailureReason.wrong_password)
    async with db.write_transaction():
        await _count_failure(buckets, settings, now)
        if attributed:
            await audit.record(EventTag.staff_login_failed, actor=audit.ANONYMOUS,
                               subject=f"staff:{staff_id}" if staff_id else None,
                               details={"reason": reason.value, "step": step,
                                        "known_device": known})
        else:
            await tallies.count(EventTag.staff_login_failures_counted, reason.value,
                                settings=settings, now=now)
    return LoginRefused()


async def begin_login(email: str, password: str, *, client: str | None,
                      settings: Settings, device: str | None = None) -> str:
    """First step: the password. Returns a token for the second step. `device` is the
    browser's device cookie, if it has one."""
    now = _now()
    member = await StaffMember.select().where(
        StaffMember.email_lookup == email_lookup(email[:254])).first()
    staff_id = member["id"] if member else None
    allowance = _allowance(email[:254], member, device=device, client=client,
                           settings=settings, now=now)
    if await _throttled(allowance.limits, settings, now):
        # Still hash, so a throttled attempt takes as long as any other.
        passwords.verify(None, password)
        raise await _refuse(FailureReason.throttled, staff_id=staff_id,
                            buckets=allowance.buckets, settings=settings, now=now,
                            step="password", known=allowance.known)
    password_ok = passwords.verify(member["password_hash"] if member else None, password)
    reason = (FailureReason.unknown_account if member is None
              else FailureReason.wrong_password if not password_ok
              else FailureReason.not_active if member["status"] != StaffStatus.active
              else None)
    if reason is not None:
        raise await _refuse(reason, staff_id=staff_id, buckets=allowance.buckets,
                            settings=settings, now=now, step="password",
                            known=allowance.known)
    assert member is not None
    token, hashed = new_token()
    async with db.write_transaction():
        await StaffSession.insert(StaffSession(
            staff=member["id"], token_hash=hashed, stage=SessionStage.password,
            created_at=now, last_seen_at=now, expires_at=now + PENDING_LOGIN))
    return token


@dataclass(frozen=True)
class LoggedIn:
    """What a complete login gives the browser: its session, and a new device cookie."""

    session: str
    device: str


async def finish_login(pending_token: str, code: str, *, client: str | None,
                       settings: Settings, device: str | None = None) -> LoggedIn:
    """Second step: a code from the authenticator, or a recovery code. Returns the
    session token (a new one: the pending token never becomes the session) and a new
    device cookie for the browser."""
    now = _now()
    pending = await StaffSession.select().where(
        StaffSession.token_hash == token_hash(pending_token)).first()
    if (pending is None or pending["stage"] != SessionStage.password
            or pending["ended_at"] is not None or pending["expires_at"] <= now):
        raise await _refuse(FailureReason.expired_step, staff_id=None,
                            buckets=[client] if client else [], settings=settings, now=now,
                            step="code")
    member = await StaffMember.select().where(_MEMBER == pending["staff"]).first()
    assert member is not None
    email = unseal(StaffMember.email, member["email"])
    allowance = _allowance(email, member, device=device, client=client, settings=settings,
                           now=now)
    if (await _throttled(allowance.limits, settings, now)
            or member["status"] != StaffStatus.active):
        reason = (FailureReason.throttled if member["status"] == StaffStatus.active
                  else FailureReason.not_active)
        raise await _refuse(reason, staff_id=member["id"], buckets=allowance.buckets,
                            settings=settings, now=now, step="code", known=allowance.known)

    secret = unseal(StaffMember.totp_secret, member["totp_secret"])
    step = totp.accepted_step(secret, code, last_step=member["totp_last_step"])
    recovery = None
    if step is None and not code.strip().isdigit():
        recovery = await RecoveryCode.select().where(
            (RecoveryCode.staff == member["id"]) & RecoveryCode.used_at.is_null()
            & (RecoveryCode.code_hash == recovery_hash(code[:40]))).first()
    if step is None and recovery is None:
        replayed = totp.accepted_step(secret, code, last_step=None) is not None
        raise await _refuse(FailureReason.replayed_code if replayed else FailureReason.wrong_code,
                            staff_id=member["id"], buckets=allowance.buckets,
                            settings=settings, now=now, step="code", known=allowance.known)

    token, hashed = new_token()
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
            staff=member["id"], token_hash=hashed, stage=SessionStage.complete,
            created_at=now, last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours)))
        await audit.record(EventTag.staff_login_succeeded, actor=audit.staff_actor(member["id"]),
                           subject=f"staff:{member['id']}",
                           details={"second_factor": "totp" if step is not None else "recovery",
                                    "known_device": allowance.known})
    return LoggedIn(session=token, device=new_device_cookie(member["id"], now))


async def authenticate(token: str, *, settings: Settings) -> StaffPrincipal | None:
    """The staff member behind a session cookie, if the session is still alive."""
    if not token or len(token) > 200:
        return None
    now = _now()
    session = await StaffSession.select().where(
        StaffSession.token_hash == token_hash(token)).first()
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
    return StaffPrincipal(id=member["id"], name=unseal(StaffMember.name, member["name"]),
                          roles=parse_roles(member["roles"]), session_id=session["id"])


async def logout(token: str) -> None:
    now = _now()
    session = await StaffSession.select().where(
        StaffSession.token_hash == token_hash(token)).first()
    if session is None or session["ended_at"] is not None:
        return
    async with db.write_transaction():
        await StaffSession.update({StaffSession.ended_at: now}).where(_SESSION == session["id"])
        await audit.record(EventTag.staff_session_ended, actor=audit.staff_actor(session["staff"]),
                           subject=f"staff:{session['staff']}", details={"why": "logout"})
