"""Making a backup file and restoring one, for the commands (registry/backup/cli.py).

A backup is written under a hidden `.partial` name in the target folder, created before
the database is read, fsynced, and only then given its final name by a hard link, in
one step that never replaces an existing file: a backup killed at any moment leaves at
most a `.partial` file, which `registry restore` refuses by its name (and, renamed,
by its length or its encryption's tags).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import secrets
import sqlite3
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyrage import x25519

from registry import db
from registry.backup import BackupRefused, archive, databases, encryption, keyfiles
from registry.settings import Settings

PARTIAL = ".partial"
_PIECE = 1 << 20


@dataclass
class Written:
    path: Path
    size: int
    engine: str | None
    tables: int
    rows: int
    keys: int


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _publish(partial: Path, final: Path) -> Path:
    """Give the finished file its name without ever replacing another file."""
    stem = final.name.removesuffix(".tar.age")
    for attempt in range(100):
        target = final if attempt == 0 else final.with_name(f"{stem}-{attempt}.tar.age")
        try:
            os.link(partial, target)
        except FileExistsError:
            continue
        partial.unlink()
        return target
    raise BackupRefused(f"too many backups named {final.name} in {final.parent}")


def write_atomically(folder: Path, name: str, produce: Callable[[], bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = folder / f".{name}.{secrets.token_hex(4)}{PARTIAL}"
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise BackupRefused(f"cannot write in {folder}: {error}") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            data = produce()
            for start in range(0, len(data), _PIECE):
                handle.write(data[start:start + _PIECE])
            handle.flush()
            os.fsync(handle.fileno())
        path = _publish(partial, folder / name)
        _fsync_folder(folder)
        return path
    finally:
        partial.unlink(missing_ok=True)


def make_backup(settings: Settings, folder: Path, *, database: bool, keys: bool,
                passphrase: str | None, recipients: Sequence[x25519.Recipient]) -> Written:
    now = datetime.now(UTC)
    name = f"registry-{'backup' if database else 'keys'}-{now:%Y%m%dT%H%M%SZ}.tar.age"
    summary: dict[str, archive.Snapshot | None] = {"snapshot": None}

    def produce() -> bytes:
        snapshot = databases.snapshot(settings.database_url) if database else None
        summary["snapshot"] = snapshot
        included = keyfiles.read_all(settings) if keys else {}
        plaintext = archive.build(snapshot, included, keyfiles.fingerprints(settings),
                                  now=now)
        return encryption.encrypt(plaintext, passphrase=passphrase, recipients=recipients)

    path = write_atomically(folder, name, produce)
    snapshot = summary["snapshot"]
    return Written(path=path, size=path.stat().st_size,
                   engine=snapshot.engine if snapshot else None,
                   tables=len(snapshot.tables) if snapshot else 0,
                   rows=sum(snapshot.tables.values()) if snapshot else 0,
                   keys=len(keyfiles.in_use(settings)) if keys else 0)


# --- Restore ------------------------------------------------------------------------------

def load(path: Path) -> bytes:
    if path.name.endswith(PARTIAL):
        raise BackupRefused(f"{path.name} is an unfinished backup (a {PARTIAL} file: the "
                            f"backup was interrupted); restore a complete one")
    try:
        return path.read_bytes()
    except OSError as error:
        raise BackupRefused(f"cannot read {path}: {error}") from error


def open_backup(data: bytes, name: str, *, passphrase: str | None,
                identities: Sequence[x25519.Identity]) -> archive.Contents:
    plaintext = encryption.decrypt(data, name, passphrase=passphrase, identities=identities)
    contents = archive.read(plaintext, name)
    database = contents.manifest.get("database")
    if database is not None:
        if database.get("engine") not in (databases.SQLITE, databases.POSTGRESQL) or \
                database.get("member") not in contents.members:
            raise BackupRefused(f"{name} is damaged: its manifest names no database")
        with warnings.catch_warnings():  # Piccolo's own, about a database not reached
            warnings.simplefilter("ignore")
            known = db.expected_migrations()
        unknown = {(app, migration) for app, migration in database["migrations"]} - known
        if unknown:
            raise BackupRefused(
                f"{name} was made by a newer registry "
                f"({contents.manifest.get('registry_version')}): it has {len(unknown)} "
                f"migration(s) this one ({archive.registry_version()}) does not know; "
                f"install that version or a newer one, then restore")
    for key in contents.keys:
        if not keyfiles.known_name(key):
            raise BackupRefused(f"{name} holds an unexpected key file {key!r}")
    return contents


def check_database(contents: archive.Contents) -> None:
    """What `restore --check` adds to the members' hashes: the database itself opens and
    holds the rows its manifest says (SQLite), or pg_restore can read the dump."""
    dump = contents.database
    if dump is None:
        return
    database = contents.manifest["database"]
    if database["engine"] == databases.SQLITE:
        with contextlib.closing(sqlite3.connect(":memory:")) as connection:
            try:
                image = bytearray(gzip.decompress(dump))
                if image[18:20] == b"\x02\x02":  # a WAL database: memory has no WAL
                    image[18:20] = b"\x01\x01"
                connection.deserialize(bytes(image))
                checked = connection.execute("PRAGMA integrity_check").fetchone()[0]
            except (sqlite3.Error, OSError, EOFError) as error:
                raise BackupRefused(f"the backup's database does not open: {error}"
                                    ) from error
            if checked != "ok":
                raise BackupRefused(f"the backup's database fails SQLite's integrity "
                                    f"check: {checked}")
            databases.check_counts(database["tables"], databases._sqlite_counts(connection))
    else:
        databases.check_postgres_dump(dump)


@dataclass
class Restored:
    engine: str | None
    tables: int
    rows: int
    written: list[Path] = field(default_factory=list)
    in_place: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def restore(settings: Settings, contents: archive.Contents) -> Restored:
    """Into an empty database and absent key files: every refusal comes before the
    first write (the key files are checked, then the database, then written)."""
    key_plan = keyfiles.plan(settings, contents.keys)
    database = contents.manifest.get("database")
    dump = contents.database
    if database is not None and dump is not None:
        databases.restore(settings.database_url, database["engine"], dump,
                          database["tables"])
    keyfiles.write(key_plan)
    restored = Restored(engine=database["engine"] if database else None,
                        tables=len(database["tables"]) if database else 0,
                        rows=sum(database["tables"].values()) if database else 0,
                        written=list(key_plan.write), in_place=key_plan.in_place)
    if database is not None:
        restored.warnings = keyfiles.warnings(
            settings, contents.manifest["keys"]["fingerprints"], bool(contents.keys))
    return restored
