"""Signed notes (C2SP signed-note, the format of golang.org/x/mod/sumdb/note) with
Ed25519, and the checkpoint a log signs in one (C2SP tlog-checkpoint).

A note is UTF-8 text of whole lines, then a blank line, then one line per signature:
`— <name> <base64(key hash || signature)>`. The key hash is the first four bytes of
SHA-256(name || "\\n" || 0x01 || public key); a verifier key is written
`<name>+<key hash, hex>+<base64(0x01 || public key)>`, as Go's `note.NewVerifier` reads
it. A checkpoint is the note text `<origin>\\n<tree size>\\n<root hash, base64>\\n`,
then any extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
MAX_SIGNATURES = 100  # as Go's note.Open: more is refused, not read


class MalformedNote(ValueError):
    """Not a signed note, or not one this code may read."""


def valid_name(name: str) -> bool:
    """A key's name: not empty, no white space, no `+`."""
    return bool(name) and not any(c.isspace() for c in name) and "+" not in name


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The verifier key to publish: `<name>+<hash>+<base64(0x01 || key)>`."""
    if not valid_name(name):
        raise ValueError(f"not a key name: {name!r}")
    return (f"{name}+{key_hash(name, public).hex()}+"
            f"{base64.b64encode(bytes([ED25519]) + _raw(public)).decode()}")


@dataclass(frozen=True)
class Verifier:
    name: str
    public: Ed25519PublicKey

    @property
    def hash(self) -> bytes:
        return key_hash(self.name, self.public)

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """A verifier key as `verifier_key` writes it (and Go's note package)."""
        try:
            name, hash_hex, key64 = vkey.split("+", 2)  # base64 may hold a +
            key = base64.b64decode(key64, validate=True)
            hash_ = bytes.fromhex(hash_hex)
        except (ValueError, binascii.Error) as error:
            raise ValueError(f"not a verifier key: {vkey[:80]!r}") from error
        if not valid_name(name) or len(key) != 33 or key[0] != ED25519 or len(hash_) != 4:
            raise ValueError(f"not an Ed25519 verifier key: {vkey[:80]!r}")
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(key[1:]))
        if verifier.hash != hash_:
            raise ValueError(f"the verifier key's hash does not match its key: {vkey[:80]!r}")
        return verifier


def sign(text: str, name: str, private: Ed25519PrivateKey) -> str:
    """`text` (whole lines) signed as a note by the key `name`."""
    if not text.endswith("\n") or not valid_name(name):
        raise ValueError("a note's text is whole lines, its key's name one word")
    signature = private.sign(text.encode())
    line = base64.b64encode(key_hash(name, private.public_key()) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {line}\n"


@dataclass
class Opened:
    text: str
    verified: list[str] = field(default_factory=list)  # names of the keys that signed
    unknown: list[str] = field(default_factory=list)  # signature lines of other keys


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def open_note(note: str, verifiers: list[Verifier]) -> Opened:
    """The note's text and which of `verifiers` signed it. A signature by a known key
    that does not hold, or anything malformed, raises MalformedNote; signatures by
    other keys are listed, unverified."""
    if _CONTROL.search(note) or "\ufffd" in note:
        raise MalformedNote("a note has no control characters but line ends")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise MalformedNote("a note ends with its signatures, after a blank line")
    opened = Opened(note[:split + 1])
    known = {(v.name, v.hash): v for v in verifiers}
    lines = note[split + 2:].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise MalformedNote("a note has one to a hundred signatures")
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote("a signature line begins with an em dash")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise MalformedNote("a signature is base64") from error
        if not valid_name(name) or len(raw) < 5:
            raise MalformedNote("a signature names its key and holds its hash")
        verifier = known.get((name, raw[:4]))
        if verifier is None:
            opened.unknown.append(line)
            continue
        if name in opened.verified:
            continue
        try:
            verifier.public.verify(raw[4:], opened.text.encode())
        except InvalidSignature as error:
            raise MalformedNote(f"the signature of {name} does not hold") from error
        opened.verified.append(name)
    return opened


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The checkpoint as a note's text (C2SP tlog-checkpoint)."""
        if not self.origin or "\n" in self.origin or len(self.root) != 32 or self.size < 0:
            raise ValueError("a checkpoint has one origin line, a size and a 32-byte root")
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(),
                 *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0]:
            raise MalformedNote("a checkpoint is an origin, a size and a root hash")
        origin, size, root, *extensions = lines[:-1]
        if not re.fullmatch(r"0|[1-9][0-9]{0,19}", size):
            raise MalformedNote("a checkpoint's size is a decimal number")
        try:
            hash_ = base64.b64decode(root, validate=True)
        except binascii.Error as error:
            raise MalformedNote("a checkpoint's root hash is base64") from error
        if len(hash_) != 32 or any(not line for line in extensions):
            raise MalformedNote("a checkpoint's root hash has 32 bytes")
        return cls(origin, int(size), hash_, tuple(extensions))
