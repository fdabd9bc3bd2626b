"""`registry principles`: the versioned texts from the command line."""

from __future__ import annotations

from typing import Any

import click

from registry import commands
from registry.audit import services as audit
from registry.principles import diff as principles_diff
from registry.principles import services as principles
from registry.principles.document import PrinciplesSourceError, load_all
from registry.settings import Settings


async def sync_texts(settings: Settings) -> principles.SyncReport:
    """Sync the texts as the operator (what follows a version coming into force, such as
    accessions to older ones being superseded, follows its public fact)."""
    return await principles.sync(settings.principles_dir, actor=audit.operator())


@click.group(name="principles")
def principles_group() -> None:
    """The versioned texts of the Principles."""


@principles_group.command(name="sync")
def principles_sync() -> None:
    """Load the version folders into the database; refuse to change a published text."""
    settings = commands.settings()
    report = commands.run(settings, lambda: sync_texts(settings))
    for line in report.lines:
        click.echo(line)
    if not report.changed:
        click.echo("Nothing to change.")


@principles_group.command(name="list")
def principles_list() -> None:
    """List the versions in the database with their status and SHA-256."""
    versions = commands.run(commands.settings(), principles.list_versions)
    if not versions:
        click.echo("No versions yet: run `registry principles sync`.")
    for version in versions:
        languages = ",".join(text.language for text in version.texts)
        click.echo(f"{version.version_id:<8} {version.status.value:<11} {languages:<10} "
                   f"{version.content_hash}")


@principles_group.command(name="diff")
@click.argument("old")
@click.argument("new")
@click.option("--files", is_flag=True,
              help="Compare the folders under the Principles directory instead of the "
              "database (to review a version before it is synced).")
def principles_diff_command(old: str, new: str, files: bool) -> None:
    """Show the word-level differences between versions OLD and NEW (texts of record).

    Removed words are shown as [-words-], added ones as {+words+}.
    """
    settings = commands.settings()
    if files:
        try:
            sources = {source.version_id: source for source in load_all(settings.principles_dir)}
        except PrinciplesSourceError as error:
            raise click.ClickException(str(error)) from error
        documents = {}
        for version_id in (old, new):
            if version_id not in sources:
                raise click.ClickException(f"there is no folder for version {version_id!r}")
            documents[version_id] = sources[version_id].record.document
        old_doc, new_doc = documents[old], documents[new]
    else:
        async def load() -> tuple[Any, Any]:
            found = []
            for version_id in (old, new):
                version = await principles.get_version(version_id)
                if version is None:
                    raise click.ClickException(f"there is no version {version_id!r} in the "
                                               "database (see `registry principles list`)")
                found.append(await principles.load_text(version, version.text_of_record))
            return found[0], found[1]

        old_doc, new_doc = commands.run(settings, load)
    diffs = principles_diff.compare(old_doc, new_doc)
    changed = [d for d in diffs if d.changed]
    if not changed:
        click.echo(f"No differences between {old} and {new}.")
        return
    click.echo(f"{len(changed)} passage(s) differ between {old} and {new}:\n")
    click.echo(principles_diff.as_word_diff(diffs))
