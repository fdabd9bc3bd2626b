"""age encryption of a backup (pyrage, the Python binding of the rage implementation):
to a passphrase (scrypt) or to X25519 recipients (`age1…`). The file is plain age, so
the `age` or `rage` tool decrypts it too: `age -d backup.tar.age > backup.tar`.

Before decrypting, the file's length is checked against the shape of what a backup
encrypts (an uncompressed tar, a whole number of 10,240-byte records) and age's chunks
(64 KiB, each with a 16-byte tag): a file cut short is told as truncated, not as a
wrong passphrase or as damaged.
"""

from __future__ import annotations

import tarfile
from collections.abc import Sequence
from pathlib import Path

import pyrage
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from registry.backup import BackupRefused

MAGIC = b"age-encryption.org/v1\n"
_NONCE = 16
_CHUNK = 64 * 1024
_TAG = 16
PASSPHRASE = "scrypt"  # noqa: S105 - the kind of age stanza
RECIPIENTS = "recipients"


def recipient(text: str) -> x25519.Recipient:
    try:
        return x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError as error:
        raise BackupRefused(f"{text!r} is not an age recipient (age1…): {error}") from error


def identities_in(path: Path) -> list[x25519.Identity]:
    """The X25519 identities of an age identity file (as `age-keygen` writes it)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BackupRefused(f"cannot read the identity file {path}: {error}") from error
    found = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError as error:
            raise BackupRefused(f"{path}: line {number} is not an age identity "
                                f"(AGE-SECRET-KEY-1…)") from error
    if not found:
        raise BackupRefused(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")
    return found


def encrypt(plaintext: bytes, *, passphrase: str | None = None,
            recipients: Sequence[x25519.Recipient] = ()) -> bytes:
    if recipients:
        return pyrage.encrypt(plaintext, list(recipients))
    if not passphrase:
        raise BackupRefused("no passphrase and no recipient: a backup is always encrypted")
    return age_passphrase.encrypt(plaintext, passphrase)


def _header_end(data: bytes, name: str) -> int:
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data):
            raise BackupRefused(f"{name} is truncated: it ends inside its header")
        raise BackupRefused(f"{name} is not a registry backup (not an age-encrypted file)")
    mac = data.find(b"\n--- ", len(MAGIC) - 1)
    end = data.find(b"\n", mac + 1) if mac >= 0 else -1
    if end < 0:
        raise BackupRefused(f"{name} is truncated: it ends inside its header")
    return end + 1


def kind(data: bytes, name: str) -> str:
    """PASSPHRASE or RECIPIENTS: what opens this file."""
    header = data[:_header_end(data, name)]
    return PASSPHRASE if b"\n-> scrypt " in header else RECIPIENTS


def _whole(payload: int) -> bool:
    """Whether `payload` bytes after the header can be a whole encrypted backup."""
    body = payload - _NONCE
    if body <= _TAG:
        return False
    chunks = -(-body // (_CHUNK + _TAG))
    plain = body - _TAG * chunks
    return plain > 0 and -(-plain // _CHUNK) == chunks and plain % tarfile.RECORDSIZE == 0


def decrypt(data: bytes, name: str, *, passphrase: str | None = None,
            identities: Sequence[x25519.Identity] = ()) -> bytes:
    end = _header_end(data, name)
    if not _whole(len(data) - end):
        raise BackupRefused(f"{name} is truncated: {len(data)} bytes cannot be a whole "
                            f"backup (cut short in copying, or an interrupted backup)")
    opened_by = kind(data, name)
    try:
        if opened_by == PASSPHRASE:
            if passphrase is None:
                raise BackupRefused(f"{name} is encrypted to a passphrase: set "
                                    f"REGISTRY_BACKUP_PASSPHRASE or type it when asked")
            return age_passphrase.decrypt(data, passphrase)
        if not identities:
            raise BackupRefused(f"{name} is encrypted to age recipients: give the identity "
                                f"file with --identity")
        return pyrage.decrypt(data, list(identities))
    except pyrage.DecryptError as error:
        reason = str(error)
        if opened_by == PASSPHRASE and reason == "Decryption failed":
            raise BackupRefused(f"wrong passphrase for {name} (or its header is damaged)"
                                ) from error
        if reason == "No matching keys found":
            raise BackupRefused(f"none of the given identities opens {name}: it was "
                                f"encrypted to other recipients") from error
        raise BackupRefused(f"{name} is damaged: its encrypted content does not check out "
                            f"({reason})") from error
