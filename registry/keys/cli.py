"""`registry keys rotate-data-key`: the data key of the sealed columns. (The signing
keys' commands join the same group from the badges capability.)"""

from __future__ import annotations

import click

from registry import commands
from registry.audit import services as audit
from registry.keys.rotation import rotate_data_key


@click.group()
def keys() -> None:
    """Keys kept outside the database: the signing keys (show, rotate) and the data key."""


@keys.command(name="rotate-data-key")
def keys_rotate_data_key() -> None:
    """Make a new data key active and re-encrypt every confidential field with it.

    Old keys stay in the key file, so backups made before remain readable. Restart the
    service afterwards so that new writes use the new key at once.
    """
    settings = commands.settings()
    counts = commands.run(settings, lambda: rotate_data_key(settings, actor=audit.operator()))
    total = sum(counts.values())
    click.echo(f"New data key active; {total} field(s) re-encrypted.")
    for purpose, count in counts.items():
        if count:
            click.echo(f"  {purpose}: {count}")
