"""The registry's ES256 signing keys: receipts now, badges and checkpoints later.

Each key is a PKCS#8 PEM file `keys/signing/<kid>.pem` (mode 0600) in the data
directory; `keys/signing/active` names the one that signs. Keys are never deleted:
old ones stay to verify what they signed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jws
from jose.backends.base import Key
from jose.exceptions import JOSEError

from registry.keys.store import KeyFileError, _create_once, _read_private, write_private

ALGORITHM = "ES256"


class SignatureInvalid(ValueError):
    """A signature does not verify; the message says why."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: Key
    public: Key

    def public_jwk(self) -> dict[str, str]:
        data = self.public.to_dict()
        return {**{k: str(v) for k, v in data.items()}, "kid": self.kid, "use": "sig",
                "alg": ALGORITHM}


def _new_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def _load(folder: Path, kid: str) -> SigningKey:
    pem = _read_private(folder / f"{kid}.pem")
    try:
        private = jwk.construct(pem, ALGORITHM)
    except JOSEError as error:
        raise KeyFileError(f"{folder / kid}.pem is not an ES256 private key") from error
    return SigningKey(kid=kid, private=private, public=private.public_key())


class SigningKeys:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: dict[str, SigningKey] = {}  # a kid's key never changes
        self.configured = False  # the active key comes from REGISTRY_SIGNING_KEY_FILE

    def _key(self, kid: str) -> SigningKey:
        if kid not in self._loaded:
            self._loaded[kid] = _load(self.folder, kid)
        return self._loaded[kid]

    def ensure(self, configured: Path | None = None) -> None:
        """On first start: one key, made active. Two processes racing end with one.

        With a configured key file, that key is the active one: copied among the keys
        under a kid derived from its public key, so that replacing the file later keeps
        the old key for what it signed."""
        marker = self.folder / "active"
        if configured is not None:
            pem = _read_private(configured)
            try:
                public = jwk.construct(pem, ALGORITHM).public_key().to_pem()
            except JOSEError as error:
                raise KeyFileError(f"{configured} is not an ES256 private key") from error
            kid = f"f-{hashlib.sha256(public).hexdigest()[:16]}"
            _create_once(self.folder / f"{kid}.pem", pem)
            if not marker.exists() or _read_private(marker).strip() != kid:
                write_private(marker, kid + "\n")
            self.configured = True
            return
        if marker.exists():
            return
        kid = f"s-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        _create_once(self.folder / f"{kid}.pem", _new_pem())
        _create_once(marker, kid + "\n")

    def active(self) -> SigningKey:
        return self._key(_read_private(self.folder / "active").strip())

    def get(self, kid: str) -> SigningKey | None:
        if not kid.replace("-", "").isalnum() or not (self.folder / f"{kid}.pem").is_file():
            return None
        return self._key(kid)

    def all(self) -> list[SigningKey]:
        return [self._key(path.stem) for path in sorted(self.folder.glob("*.pem"))]

    def rotate(self) -> SigningKey:
        if self.configured:
            raise KeyFileError("the signing key comes from REGISTRY_SIGNING_KEY_FILE: put a "
                               "new key in that file and restart; the old one stays among "
                               "the signing keys")
        kid = f"s-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        write_private(self.folder / f"{kid}.pem", _new_pem())
        write_private(self.folder / "active", kid + "\n")
        return self.active()


def sign(keys: SigningKeys, payload: dict[str, Any], *, typ: str) -> str:
    key = keys.active()
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return jws.sign(body.encode("utf-8"), key.private, headers={"kid": key.kid, "typ": typ},
                    algorithm=ALGORITHM)


def verify(keys: SigningKeys, token: str, *, typ: str) -> dict[str, Any]:
    """Verify one of our own signatures: the header's kid picks the key (python-jose
    would otherwise try every key), and only ES256 is accepted."""
    try:
        header = jws.get_unverified_header(token)
    except JOSEError as error:
        raise SignatureInvalid("not a compact JWS") from error
    if header.get("alg") != ALGORITHM or header.get("typ") != typ:
        raise SignatureInvalid(f"expected alg {ALGORITHM} and typ {typ}")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise SignatureInvalid("unknown key id")
    try:
        return json.loads(jws.verify(token, key.public, algorithms=[ALGORITHM]))
    except (JOSEError, ValueError) as error:
        raise SignatureInvalid("the signature does not verify") from error
