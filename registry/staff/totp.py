"""Time-based one-time codes (RFC 6238, via pyotp) that can be used only once."""

from __future__ import annotations

import hmac
import time

import pyotp

ISSUER = "Principles Registry"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, *, last_step: int | None,
                  now: float | None = None) -> int | None:
    """The time step the code belongs to (one step of clock drift allowed either way),
    or None if it is wrong or was already used (its step is not after the last one)."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None
