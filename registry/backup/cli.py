"""`registry backup` and `registry restore`.

The passphrase comes from REGISTRY_BACKUP_PASSPHRASE or is typed at a prompt, never from
the command line (every user of the machine can read a command line).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from registry import commands
from registry.backup import BackupRefused, encryption, services
from registry.keys.store import KeyFileError

PASSPHRASE_VARIABLE = "REGISTRY_BACKUP_PASSPHRASE"  # noqa: S105 - its name, not a value
MIN_PASSPHRASE = 12
T = TypeVar("T")


def _passphrase(*, confirm: bool) -> str:
    given = os.environ.get(PASSPHRASE_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise BackupRefused(f"no passphrase: set {PASSPHRASE_VARIABLE}, type it at a "
                            f"terminal, or give --recipient")
    return str(click.prompt("Backup passphrase", hide_input=True,
                            confirmation_prompt=confirm, err=True))


def _refusals_in_words(work: Callable[[], T]) -> T:
    try:
        return work()
    except (BackupRefused, KeyFileError) as error:
        raise click.ClickException(str(error)) from error


@click.command()
@click.option("--out", "folder", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the backup file into (made 0700 if missing).")
@click.option("--with-keys", is_flag=True,
              help="Include the key files (data keys, secret, signing keys).")
@click.option("--keys-only", is_flag=True,
              help="Only the key files, no database: a backup to keep apart.")
@click.option("--recipient", "recipients", multiple=True, metavar="AGE1…",
              help="Encrypt to this age public key instead of a passphrase (repeatable).")
def backup(folder: Path, with_keys: bool, keys_only: bool,
           recipients: tuple[str, ...]) -> None:
    """Write one consistent, encrypted backup file while the service runs.

    The database is copied as one snapshot (SQLite's online backup; pg_dump on
    PostgreSQL); the key files only with --with-keys or --keys-only. The file is
    encrypted with age to a passphrase (REGISTRY_BACKUP_PASSPHRASE, or typed) or to
    --recipient keys; there is no unencrypted backup. Prints the file's path.
    """
    if with_keys and keys_only:
        raise click.UsageError("--with-keys and --keys-only exclude each other")
    settings = commands.settings()

    def work() -> services.Written:
        age_recipients = [encryption.recipient(text) for text in recipients]
        passphrase = None
        if not age_recipients:
            passphrase = _passphrase(confirm=True)
            if len(passphrase) < MIN_PASSPHRASE:
                raise BackupRefused(f"the passphrase must have at least {MIN_PASSPHRASE} "
                                    f"characters")
        return services.make_backup(settings, folder, database=not keys_only,
                                    keys=with_keys or keys_only, passphrase=passphrase,
                                    recipients=age_recipients)

    written = _refusals_in_words(work)
    what = (f"{written.engine} database, {written.tables} tables, {written.rows} rows"
            if written.engine else "no database")
    keys = f"{written.keys} key files" if written.keys else "no key files"
    click.echo(f"Backup written ({written.size} bytes; {what}; {keys}):", err=True)
    click.echo(str(written.path))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--identity", "identity_file", type=click.Path(dir_okay=False, path_type=Path),
              help="An age identity file, for a backup encrypted to a recipient.")
@click.option("--check", "check_only", is_flag=True,
              help="Only check the file (decrypt it, every member's SHA-256, the database "
                   "opens); write nothing.")
def restore(file: Path, identity_file: Path | None, check_only: bool) -> None:
    """Check a backup file and restore it into an empty database.

    The configured database (REGISTRY_DATABASE_URL, or the SQLite file in the data
    directory) must be empty: a new file, or a database just made with createdb, of the
    backup's engine. Key files in the backup are written where the settings put them,
    only where none is; a different key file in place stops the restore. Stop the
    service first, and start it after.
    """
    settings = commands.settings()

    def work() -> tuple[services.Restored | None, dict[str, Any]]:
        data = services.load(file)
        identities = encryption.identities_in(identity_file) if identity_file else []
        passphrase = None
        if encryption.kind(data, file.name) == encryption.PASSPHRASE:
            passphrase = _passphrase(confirm=False)
        contents = services.open_backup(data, file.name, passphrase=passphrase,
                                        identities=identities)
        if check_only:
            services.check_database(contents)
            return None, contents.manifest
        return services.restore(settings, contents), contents.manifest

    restored, manifest = _refusals_in_words(work)
    database = manifest.get("database")
    made = f"made {manifest['created_at']} by registry {manifest['registry_version']}"
    if restored is None:
        what = (f"a {database['engine']} database of {len(database['tables'])} tables, "
                f"{sum(database['tables'].values())} rows" if database else "no database")
        keys = "with key files" if manifest["keys"]["included"] else "without key files"
        click.echo(f"{file.name} is a complete backup ({made}): {what}, {keys}.")
        return
    if restored.engine:
        click.echo(f"Restored the {restored.engine} database ({restored.tables} tables, "
                   f"{restored.rows} rows; {made}).")
    if restored.written or restored.in_place:
        click.echo(f"Key files: {len(restored.written)} written, {len(restored.in_place)} "
                   f"already in place.")
    else:
        click.echo("Key files: none in this backup.")
    for warning in restored.warnings:
        click.echo(warning, err=True)
    if restored.engine:
        click.echo("Start the service (registry serve): it applies any migration newer "
                   "than the backup.")
