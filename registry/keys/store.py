"""Key files in the data directory (or where configured), created on first use, 0600.

A copy of the database alone reveals nothing these keys protect: keep the key files
on the machine (and in backups stored apart from the database's).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32


class KeyFileError(RuntimeError):
    """A key file is missing, unreadable, malformed, or readable by others."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def write_private(path: Path, content: str) -> None:
    """Write a file only its owner can read, atomically (a reader never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _create_once(path: Path, content: str) -> None:
    """Create `path` unless it exists; two processes racing end with the same file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _read_private(path: Path) -> str:
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyFileError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise KeyFileError(f"{path} does not exist") from error


@dataclass(frozen=True)
class DataKeys:
    """The AES-256 keys for confidential fields: one active, older ones to read with."""

    active: str
    keys: dict[str, bytes]

    def to_json(self) -> str:
        return json.dumps(
            {"active": self.active, "keys": {kid: _b64(key) for kid, key in self.keys.items()}},
            indent=2, sort_keys=True,
        ) + "\n"

    @classmethod
    def from_json(cls, text: str, path: Path) -> DataKeys:
        try:
            data = json.loads(text)
            keys = {str(kid): _unb64(value) for kid, value in data["keys"].items()}
            active = str(data["active"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyFileError(f"{path} is not a data key file: {error}") from error
        if active not in keys or any(len(key) != KEY_BYTES for key in keys.values()):
            raise KeyFileError(f"{path}: the active key is missing or a key is not 32 bytes")
        return cls(active=active, keys=keys)

    def with_new_active_key(self) -> DataKeys:
        kid = f"d{len(self.keys) + 1}-{secrets.token_hex(4)}"
        return DataKeys(active=kid, keys={**self.keys, kid: secrets.token_bytes(KEY_BYTES)})


def new_data_keys() -> DataKeys:
    return DataKeys(active="", keys={}).with_new_active_key()


def load_data_keys(path: Path, *, create: bool) -> DataKeys:
    if create:
        _create_once(path, new_data_keys().to_json())
    return DataKeys.from_json(_read_private(path), path)


def load_app_secret(path: Path, *, create: bool) -> bytes:
    if create:
        _create_once(path, _b64(secrets.token_bytes(KEY_BYTES)) + "\n")
    try:
        secret = _unb64(_read_private(path).strip())
    except ValueError as error:
        raise KeyFileError(f"{path} is not a secret key file") from error
    if len(secret) != KEY_BYTES:
        raise KeyFileError(f"{path} must hold {KEY_BYTES} bytes")
    return secret


def derive(secret: bytes, purpose: str, length: int = 32) -> bytes:
    """A separate key per purpose, so that no two uses ever share key material."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                info=f"principles-registry/{purpose}".encode()).derive(secret)
