"""Receipt codes: what a filer keeps to follow a case up, without an account.

Sixteen digits in groups of four (as GlobaLeaks gives them): easy to write down and to
read out over a phone, about 53 bits of randomness, stored only as an argon2id hash, so
that a copy of the database cannot open a case even with the reference in hand.
"""

from __future__ import annotations

import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Checked when a reference matches no case, so that both answers take the same time
    (made on first use: every command would pay for it at start)."""
    return _hasher.hash("0000000000000000")


DIGITS = 16


def new_code() -> tuple[str, str]:
    """A fresh code as shown to the filer ("1234 5678 9012 3456") and its hash."""
    digits = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    return " ".join(digits[i:i + 4] for i in range(0, DIGITS, 4)), _hasher.hash(digits)


def normal(code: str) -> str | None:
    """The digits of a code as typed (spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s\-]", "", code[:64])
    return digits if re.fullmatch(rf"[0-9]{{{DIGITS}}}", digits) else None


def matches(code: str, hashed: str | None) -> bool:
    """Whether the code opens this hash; with no hash, the same work and False."""
    digits = normal(code) or ""
    try:
        return bool(_hasher.verify(hashed or _dummy(), digits)) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
