"""`registry deadlines`: what falls due, and acting on it now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from registry import commands
from registry.deadlines import services as deadlines


@click.group(name="deadlines", invoke_without_command=True)
@click.option("--days", type=click.IntRange(0, 3660), default=30, show_default=True,
              help="List what falls due within this many days (overdue ones included).")
@click.pass_context
def deadlines_group(context: click.Context, days: int) -> None:
    """Every open deadline falling due within DAYS, soonest first: when, what, whose, and
    whether it is paused (for staff and operators; `registry serve` acts on them)."""
    if context.invoked_subcommand is not None:
        return
    until = datetime.now(UTC) + timedelta(days=days)
    found = commands.run(commands.settings(), lambda: deadlines.falling_due(until))
    if not found:
        click.echo(f"Nothing falls due within {days} days.")
    for deadline in found:
        paused = (f"  PAUSED since {deadline.paused_since:%Y-%m-%d}"
                  if deadline.paused_since else "")
        click.echo(f"{deadline.due_at:%Y-%m-%d %H:%M}  {deadline.kind:<36} "
                   f"{deadline.subject}{paused}")


@deadlines_group.command(name="run")
def deadlines_run() -> None:
    """Act now on every deadline that has fallen due (`registry serve` does so every
    minute): each at most once, however many processes do it."""
    report = commands.run(commands.settings(),
                          lambda: deadlines.run_due(datetime.now(UTC)))
    click.echo(f"Done: {report}.")
