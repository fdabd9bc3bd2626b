"""The key files a backup may carry, by their name in the archive: `data-keys.json`,
`secret.key` and `signing/<file>` (each signing key, and the `active` marker), wherever
the settings put them.

A restore never overwrites a key file: one already in place must be the same bytes,
else the restore stops before it writes anything (the keys there may be what other
data needs). New files are written 0600, in folders 0700.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from registry.backup import BackupRefused
from registry.backup.archive import sha256
from registry.keys.store import write_private
from registry.settings import Settings

DATA_KEYS = "data-keys.json"
SECRET = "secret.key"  # noqa: S105 - a file name
SIGNING = "signing/"
_SIGNING_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def known_name(name: str) -> bool:
    return name in (DATA_KEYS, SECRET) or (
        name.startswith(SIGNING) and _SIGNING_FILE.fullmatch(name[len(SIGNING):]) is not None)


def path_of(settings: Settings, name: str) -> Path:
    """Where the key file of this archive name belongs (refusing any other name)."""
    if name == DATA_KEYS:
        return settings.data_key_path
    if name == SECRET:
        return settings.secret_key_path
    if name.startswith(SIGNING) and _SIGNING_FILE.fullmatch(name[len(SIGNING):]):
        return settings.signing_keys_path / name[len(SIGNING):]
    raise BackupRefused(f"the backup holds an unexpected key file {name!r}")


def in_use(settings: Settings) -> dict[str, Path]:
    """The key files there are now, by archive name."""
    found = {name: path for name, path in ((DATA_KEYS, settings.data_key_path),
                                           (SECRET, settings.secret_key_path))
             if path.is_file()}
    folder = settings.signing_keys_path
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and _SIGNING_FILE.fullmatch(path.name) and not (
                    path.name.startswith(".") or path.name.endswith(".tmp")):
                found[SIGNING + path.name] = path
    return found


def read_all(settings: Settings) -> dict[str, bytes]:
    """Every key file, for a backup that includes them; all three kinds must be there."""
    found = in_use(settings)
    missing = [str(path) for name, path in ((DATA_KEYS, settings.data_key_path),
                                            (SECRET, settings.secret_key_path),
                                            (SIGNING + "active",
                                             settings.signing_keys_path / "active"))
               if name not in found]
    if missing:
        raise BackupRefused(f"no key file at {', '.join(missing)}: nothing to back up "
                            f"(has the service ever started with these settings?)")
    try:
        return {name: path.read_bytes() for name, path in found.items()}
    except OSError as error:
        raise BackupRefused(f"cannot read a key file: {error}") from error


def fingerprints(settings: Settings) -> dict[str, str]:
    try:
        return {name: sha256(path.read_bytes()) for name, path in in_use(settings).items()}
    except OSError as error:
        raise BackupRefused(f"cannot read a key file: {error}") from error


@dataclass
class KeyPlan:
    """What restoring the key files of an archive will do."""

    write: dict[Path, bytes]
    in_place: list[Path]


def plan(settings: Settings, keys: dict[str, bytes]) -> KeyPlan:
    """Which key files to write, checked before anything is written: a file in place
    that differs from the archive's stops the restore."""
    result = KeyPlan(write={}, in_place=[])
    clashes = []
    for name, data in sorted(keys.items()):
        path = path_of(settings, name)
        if path.exists():
            if path.read_bytes() != data:
                clashes.append(str(path))
            else:
                result.in_place.append(path)
        else:
            result.write[path] = data
    if clashes:
        raise BackupRefused(f"key files already in place differ from the backup's: "
                            f"{', '.join(clashes)}; they are never overwritten: move them "
                            f"away if the backup's keys are the ones to use")
    return result


def write(key_plan: KeyPlan) -> None:
    for path, data in key_plan.write.items():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(path, data.decode("utf-8"))


def warnings(settings: Settings, recorded: dict[str, str], restored: bool) -> list[str]:
    """What to tell about the keys after a restore: the key files the database was
    sealed and signed with, as the manifest records them, against those in place."""
    if not recorded:
        return []
    now = fingerprints(settings)
    missing = sorted(name for name in recorded if name not in now)
    different = sorted(name for name in recorded if name in now and now[name] != recorded[name])
    found = []
    if missing:
        where = ", ".join(str(path_of(settings, name)) for name in missing)
        found.append(f"warning: key files missing ({where}) and not in this backup: "
                     f"sealed fields stay unreadable and signatures unverifiable until the "
                     f"original key files are restored (registry restore KEYS-BACKUP)")
    if different and not restored:
        where = ", ".join(str(path_of(settings, name)) for name in different)
        found.append(f"warning: key files in place differ from those in use when the "
                     f"backup was made ({where}); a rotated data key file is expected to "
                     f"differ, any other means sealed data may not open")
    return found
