"""What a backup holds, before encryption: an uncompressed tar whose first member is
`manifest.json`, then the database (`database/registry.sqlite3.gz`, or
`database/registry.pgdump` in pg_dump's custom format) and, when asked, the key files
(`keys/data-keys.json`, `keys/secret.key`, `keys/signing/<file>`).

The manifest says what the archive is (format and version, the engine, the registry's
version, when), what the database held at the moment of the snapshot (the migrations
applied, the rows of every table) and the SHA-256 of every other member: a restore
checks each before it writes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from registry.backup import BackupRefused

FORMAT = "principles-registry-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/registry.sqlite3.gz"
POSTGRES_MEMBER = "database/registry.pgdump"
KEYS_PREFIX = "keys/"


def registry_version() -> str:
    try:
        return metadata.version("principles-registry")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Snapshot:
    """The database at one moment: its dump, and what it held then."""

    engine: str  # "sqlite" or "postgresql"
    member: str
    data: bytes
    migrations: list[tuple[str, str]]
    tables: dict[str, int]
    details: dict[str, str] = field(default_factory=dict)  # the server's and tool's versions


@dataclass
class Contents:
    manifest: dict[str, Any]
    members: dict[str, bytes]

    @property
    def engine(self) -> str | None:
        database = self.manifest.get("database")
        return database["engine"] if database else None

    @property
    def keys(self) -> dict[str, bytes]:
        """The key files it holds, by their name under `keys/`."""
        return {name[len(KEYS_PREFIX):]: data for name, data in self.members.items()
                if name.startswith(KEYS_PREFIX)}

    @property
    def database(self) -> bytes | None:
        database = self.manifest.get("database")
        return self.members[database["member"]] if database else None


def build(snapshot: Snapshot | None, keys: dict[str, bytes],
          fingerprints: dict[str, str], *, now: datetime | None = None) -> bytes:
    """The tar of a backup. `keys` are the key files to include (by name under keys/);
    `fingerprints` the SHA-256 of the key files in use, recorded even when they are not
    included, so that a restore can tell whether the keys at hand are the ones."""
    members: dict[str, bytes] = {}
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "registry_version": registry_version(),
        "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "database": None,
        "keys": {"included": bool(keys), "fingerprints": fingerprints},
    }
    if snapshot is not None:
        members[snapshot.member] = snapshot.data
        manifest["database"] = {
            "engine": snapshot.engine, "member": snapshot.member,
            "migrations": sorted([app, name] for app, name in snapshot.migrations),
            "tables": dict(sorted(snapshot.tables.items())), **snapshot.details}
    for name, data in sorted(keys.items()):
        members[KEYS_PREFIX + name] = data
    manifest["members"] = {name: {"size": len(data), "sha256": sha256(data)}
                           for name, data in members.items()}
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [(MANIFEST, _json(manifest)), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8")


def read(plaintext: bytes, name: str) -> Contents:
    """The manifest and members of a decrypted backup, each checked against the manifest;
    anything else in the tar (links, folders, names it does not list) is refused."""
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:") as tar:
            for info in tar:
                if not info.isfile() or info.name in members:
                    raise BackupRefused(f"{name} holds an unexpected entry {info.name!r}")
                extracted = tar.extractfile(info)
                assert extracted is not None
                members[info.name] = extracted.read()
    except tarfile.TarError as error:
        raise BackupRefused(f"{name} is damaged: its archive cannot be read ({error})"
                            ) from error
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupRefused(f"{name} has no readable manifest: not a registry backup"
                            ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{name} is not a registry backup (its manifest says another "
                            f"format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(f"{name} is a backup of format version "
                            f"{manifest.get('format_version')!r}; this registry "
                            f"({registry_version()}) reads version {FORMAT_VERSION}")
    listed = manifest.get("members", {})
    if set(listed) != set(members):
        missing, extra = sorted(set(listed) - set(members)), sorted(set(members) - set(listed))
        raise BackupRefused(f"{name} is damaged: members missing {missing}, unlisted {extra}")
    for member, data in members.items():
        if len(data) != listed[member]["size"] or sha256(data) != listed[member]["sha256"]:
            raise BackupRefused(f"{name} is damaged: {member} does not match the SHA-256 "
                                f"in its manifest")
    return Contents(manifest=manifest, members=members)
