"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from registry.refusals import Invalid
from registry.translation import N_, NP_

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
MAX_LENGTH = 256


@cache
def _dummy_hash() -> str:
    """Verified when an e-mail matches no account, so that both cases take the same time
    (made on first use: every command would pay for it at start)."""
    return _hasher.hash("not a real password: equalises login timing")


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line and not line.startswith("#"))


def problems(password: str, *, min_length: int,
             personal: tuple[str, ...] = ()) -> list[Invalid]:
    """What is wrong with a new password, each in words (empty when it is acceptable)."""
    found = []
    if len(password) < min_length:
        found.append(Invalid(NP_("Use at least %(count)s character.",
                                 "Use at least %(count)s characters."), count=min_length))
    if len(password) > MAX_LENGTH:
        found.append(Invalid(NP_("Use at most %(count)s character.",
                                 "Use at most %(count)s characters."), count=MAX_LENGTH))
    folded = password.casefold()
    if folded in _common_passwords() or folded.rstrip("0123456789!.") in _common_passwords():
        found.append(Invalid(N_("This password is one of the most common ones; choose "
                                "another.")))
    if any(part and len(part) >= 4 and part.casefold() in folded for part in personal):
        found.append(Invalid(N_("Do not use your name or e-mail address in the password.")))
    if len(set(password)) < 5:
        found.append(Invalid(N_("Use more different characters.")))
    return found


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
