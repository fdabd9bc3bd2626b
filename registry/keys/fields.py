"""Encryption of confidential fields (AES-256-GCM), with the key id in every ciphertext.

A ciphertext is `enc1:<key id>:<base64url(nonce || ciphertext || tag)>`. The field's
purpose (`table.column`) is bound as associated data, so a ciphertext copied into
another column does not decrypt.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from registry.keys.store import DataKeys

PREFIX = "enc1"


class DecryptionError(RuntimeError):
    """A ciphertext cannot be opened: unknown key, wrong field, or tampered."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(ciphertext: str) -> str:
    prefix, kid, _ = ciphertext.split(":", 2)
    if prefix != PREFIX:
        raise DecryptionError("not a field ciphertext")
    return kid


@dataclass
class FieldCipher:
    keys: DataKeys
    # Called when a ciphertext names a key we do not hold: another process may have
    # rotated the key file since this one started.
    reload: Callable[[], DataKeys] | None = None
    _aead: dict[str, AESGCM] = field(default_factory=dict, repr=False)

    def _aead_for(self, kid: str) -> AESGCM:
        if kid not in self.keys.keys and self.reload is not None:
            self.keys = self.reload()
        if kid not in self.keys.keys:
            raise DecryptionError(f"no data key {kid!r} in the key file")
        if kid not in self._aead:
            self._aead[kid] = AESGCM(self.keys.keys[kid])
        return self._aead[kid]

    def encrypt(self, plaintext: str, *, purpose: str) -> str:
        kid = self.keys.active
        nonce = os.urandom(12)
        sealed = self._aead_for(kid).encrypt(nonce, plaintext.encode("utf-8"),
                                             f"{kid}|{purpose}".encode())
        return f"{PREFIX}:{kid}:{_b64(nonce + sealed)}"

    def decrypt(self, ciphertext: str, *, purpose: str) -> str:
        try:
            kid = key_id_of(ciphertext)
            raw = _unb64(ciphertext.split(":", 2)[2])
            opened = self._aead_for(kid).decrypt(raw[:12], raw[12:], f"{kid}|{purpose}".encode())
        except (ValueError, IndexError, InvalidTag) as error:
            raise DecryptionError(f"cannot decrypt a {purpose} value") from error
        return opened.decode("utf-8")

    def encrypt_optional(self, plaintext: str | None, *, purpose: str) -> str | None:
        return None if plaintext is None else self.encrypt(plaintext, purpose=purpose)

    def decrypt_optional(self, ciphertext: str | None, *, purpose: str) -> str | None:
        return None if ciphertext is None else self.decrypt(ciphertext, purpose=purpose)
