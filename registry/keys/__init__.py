"""Keys kept outside the database: the data keys that encrypt confidential fields, and
the application secret from which the registry derives its other keys (CSRF, lookup
hashes). `configure(settings)` loads them, creating them on first start: only while the
database holds nothing sealed or signed with other keys (registry/keys/guard.py)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property

from registry.keys import guard
from registry.keys.fields import FieldCipher
from registry.keys.signing import SigningKeys
from registry.keys.store import derive, load_app_secret, load_data_keys
from registry.settings import Settings


@dataclass
class Keyring:
    cipher: FieldCipher
    secret: bytes
    signing: SigningKeys

    def key(self, purpose: str) -> bytes:
        return derive(self.secret, purpose)

    @cached_property
    def csrf_secret(self) -> str:
        return self.key("csrf").hex()

    def lookup_hash(self, value: str, *, purpose: str) -> str:
        """A keyed hash to find a row by a value that is stored only encrypted.

        Without the key file, a copy of the database cannot test guesses against it.
        """
        return hmac.new(self.key(f"lookup/{purpose}"), value.encode("utf-8"),
                        hashlib.sha256).hexdigest()


_keyring: Keyring | None = None


def configure(settings: Settings, *, create: bool = True) -> Keyring:
    global _keyring
    if create:
        guard.refuse_unless_fresh(settings)
    data_key_file, secret_key_file = settings.data_key_path, settings.secret_key_path
    cipher = FieldCipher(
        keys=load_data_keys(data_key_file, create=create),
        reload=lambda: load_data_keys(data_key_file, create=False),
    )
    signing = SigningKeys(settings.signing_keys_path)
    if create or settings.signing_key_file:
        signing.ensure(settings.signing_key_file)
    _keyring = Keyring(cipher=cipher, secret=load_app_secret(secret_key_file, create=create),
                       signing=signing)
    return _keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("registry.keys.configure(settings) has not been called")
    return _keyring
