"""One-time tokens in links and cookies: random, and stored only as their SHA-256.

256 bits of randomness need no key: a copy of the database cannot reverse the hash."""

from __future__ import annotations

import hashlib
import secrets

MAX_LENGTH = 200  # longer input is never a token of ours: refuse before hashing it


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token[:MAX_LENGTH].encode("utf-8")).hexdigest()


def public_id(nbytes: int) -> str:
    """A random public identifier (accession, signatory, badge): URL-safe, and never
    starting with "-", which a command line would take for an option."""
    while True:
        candidate = secrets.token_urlsafe(nbytes)
        if candidate[0].isalnum():
            return candidate
