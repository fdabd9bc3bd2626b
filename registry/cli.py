"""The `registry` command: run the service and operate it from a shell.

Every command reads the same REGISTRY_* settings as the service and calls the same
service functions as the web.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from registry import db
from registry.principles import diff as principles_diff
from registry.principles import services as principles
from registry.principles.document import PrinciplesSourceError, load_all
from registry.settings import Settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"REGISTRY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise click.ClickException(f"invalid configuration: {problems}") from error


def _run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run one piece of async work against the configured database."""

    async def main() -> T:
        engine = db.configure(settings)
        await db.start(engine)
        try:
            return await work()
        finally:
            await db.stop(engine)

    try:
        return asyncio.run(main())
    except (PrinciplesSourceError, principles.SyncRefused) as error:
        raise click.ClickException(str(error)) from error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="principles-registry")
def main() -> None:
    """Principles Registry: the Principles of Human Rights Work in Belarus as a service.

    Configuration comes from REGISTRY_* environment variables (see the README).
    """


@main.command()
def migrate() -> None:
    """Apply every database migration not yet applied."""
    report = _run(_settings(), db.migrate)
    click.echo(report.strip() or "No migrations to apply.")


async def _prepare(settings: Settings) -> principles.SyncReport:
    await db.migrate()
    return await principles.sync(settings.principles_dir)


@main.command()
@click.option("--host", help="Address to listen on (default REGISTRY_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default REGISTRY_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default REGISTRY_WORKERS or 1).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Apply migrations, sync the Principles, then serve HTTP.

    With no configuration at all this serves on http://127.0.0.1:8000 with a SQLite
    database under ./var.
    """
    import uvicorn

    settings = _settings()
    report = _run(settings, lambda: _prepare(settings))
    for line in report.lines:
        click.echo(f"principles: {line}")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        "registry.app:create_app_from_environment",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # The access log would write every visitor's IP address: the registry keeps none.
        access_log=False,
        server_header=False,
    )


@main.group(name="principles")
def principles_group() -> None:
    """The versioned texts of the Principles."""


@principles_group.command(name="sync")
def principles_sync() -> None:
    """Load the version folders into the database; refuse to change a published text."""
    settings = _settings()
    report = _run(settings, lambda: principles.sync(settings.principles_dir))
    for line in report.lines:
        click.echo(line)
    if not report.changed:
        click.echo("Nothing to change.")


@principles_group.command(name="list")
def principles_list() -> None:
    """List the versions in the database with their status and SHA-256."""
    versions = _run(_settings(), principles.list_versions)
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
    settings = _settings()
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

        old_doc, new_doc = _run(settings, load)
    diffs = principles_diff.compare(old_doc, new_doc)
    changed = [d for d in diffs if d.changed]
    if not changed:
        click.echo(f"No differences between {old} and {new}.")
        return
    click.echo(f"{len(changed)} passage(s) differ between {old} and {new}:\n")
    click.echo(principles_diff.as_word_diff(diffs))


if __name__ == "__main__":
    sys.exit(main())
