"""The `registry` command: run the service and operate it from a shell.

Every command reads the same REGISTRY_* settings as the service and calls the same
service functions as the web. Each capability brings its own commands (see
registry/capabilities.py); here are only the ones about the whole service.
"""

from __future__ import annotations

import logging
import sys

import click

from registry import capabilities, commands, db
from registry.keys import guard as keys_guard
from registry.mail.cli import refuse_file_transport
from registry.principles import services as principles
from registry.principles.cli import sync_texts
from registry.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="principles-registry")
def main() -> None:
    """Principles Registry: the Principles of Human Rights Work in Belarus as a service.

    Configuration comes from REGISTRY_* environment variables (see the README).
    """


@main.command()
def migrate() -> None:
    """Apply every database migration not yet applied."""
    report = commands.run(commands.settings(), db.migrate, migrated=False)
    click.echo(report.strip() or "No migrations to apply.")


async def _prepare(settings: Settings) -> principles.SyncReport:
    await db.migrate()
    await keys_guard.check_at_start(settings)
    return await sync_texts(settings)


GRACEFUL_SHUTDOWN_SECONDS = 20
WORKER_HEALTHCHECK_SECONDS = 30


@main.command()
@click.option("--host", help="Address to listen on (default REGISTRY_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default REGISTRY_PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Worker processes (default REGISTRY_WORKERS or 1).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Apply migrations, sync the Principles, then serve HTTP (and run the scheduler:
    deadlines, the outbox, the purge, fresh status lists).

    With no configuration at all this serves on http://127.0.0.1:8000 with a SQLite
    database under ./var. With --workers N this process supervises N worker processes
    that share its listening socket; each runs the scheduler, whose jobs are claimed in
    the database, and each ends if this process is killed.
    """
    import uvicorn

    settings = commands.settings()
    refuse_file_transport(settings)
    report = commands.run(settings, lambda: _prepare(settings), migrated=False)
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
        # On SIGTERM a worker stops taking connections and gives the requests under way
        # this long to finish; then its scheduler ends its pass (see the README's *Serving*).
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # With --workers, a worker that does not answer the supervisor's ping within
        # this is killed and replaced: a new one imports the whole registry first, which
        # on a busy host takes longer than uvicorn's 5 s (and would be killed again).
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _add(group: click.Group, command: click.Command) -> None:
    """Add a capability's command; a group of a name already taken joins the first."""
    existing = group.commands.get(command.name or "")
    if isinstance(existing, click.Group) and isinstance(command, click.Group):
        for sub in command.commands.values():
            _add(existing, sub)
    elif existing is not None:
        raise RuntimeError(f"two capabilities offer the command {command.name!r}")
    else:
        group.add_command(command)


for _capability in capabilities.load():
    for _command in _capability.commands:
        _add(main, _command)


if __name__ == "__main__":
    sys.exit(main())
