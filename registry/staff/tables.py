"""Staff accounts and what hangs off them. Accounts are disabled, never deleted, so
their audit trail keeps pointing at something; foreign keys therefore RESTRICT."""

from enum import StrEnum

from piccolo.columns import BigInt, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry.keys.sealed import sealed


class StaffStatus(StrEnum):
    enrolling = "enrolling"
    active = "active"
    disabled = "disabled"


class StaffMember(Table, tablename="staff_member"):
    Status = StaffStatus

    # Keyed hash of the normalised e-mail: the address itself is stored only encrypted.
    email_lookup = Varchar(length=64, unique=True)
    email = sealed(Text())
    name = sealed(Text())
    roles = Varchar(length=200)  # comma-separated Role values
    language = Varchar(length=16, default="en")
    status = Varchar(length=20, choices=StaffStatus)
    password_hash = Text(null=True, default=None)  # argon2id
    totp_secret = sealed(Text(null=True, default=None))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step = BigInt(null=True, default=None)
    created_at = Timestamptz()
    enrolled_at = Timestamptz(null=True, default=None)
    disabled_at = Timestamptz(null=True, default=None)


class EnrolmentLink(Table, tablename="staff_enrolment_link"):
    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False)
    token_hash = Varchar(length=64, unique=True)
    totp_secret = sealed(Text())  # the second factor this link offers
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="staff_recovery_code"):
    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False)
    code_hash = Varchar(length=64, unique=True)  # keyed hash
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SessionStage(StrEnum):
    # Password accepted, second factor still to come.
    password = "password"  # noqa: S105 - a stage name, not a password
    complete = "complete"


class StaffSession(Table, tablename="staff_session"):
    Stage = SessionStage

    staff = ForeignKey(StaffMember, on_delete=OnDelete.restrict, null=False)
    token_hash = Varchar(length=64, unique=True)
    stage = Varchar(length=20, choices=SessionStage)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="staff_login_throttle"):
    # Keyed hash of "account:<e-mail>" or of "client:<day>:<address>": the address
    # itself is never stored, and the daily key makes old rows unlinkable.
    bucket = Varchar(length=64)
    window_start = Timestamptz()
    failures = Integer(default=0)


class FailureTally(Table, tablename="staff_failure_tally"):
    # Anonymous failures (a login that names no known device, a refused form) counted per
    # window, so that an attacker's thousand tries add one audit event, not a thousand:
    # the count is recorded once the window is over, and the row deleted.
    window_start = Timestamptz()
    tag = Varchar(length=60)  # the EventTag the count is recorded under
    reason = Varchar(length=40)
    failures = Integer(default=0)
