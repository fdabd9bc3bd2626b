"""`registry outbox`: the mail outbox from the command line."""

from __future__ import annotations

import click

from registry import commands
from registry.mail import services as mail_services
from registry.mail.transport import file_transport_refusal, transport_for
from registry.settings import Settings


def refuse_file_transport(settings: Settings) -> None:
    """Stop a command (`serve`, `outbox send`) whose settings would keep every mail as a
    plaintext file on a production server (see transport.file_transport_refusal)."""
    refusal = file_transport_refusal(settings)
    if refusal is not None:
        raise click.ClickException(refusal)


@click.group()
def outbox() -> None:
    """The mail outbox."""


@outbox.command(name="send")
def outbox_send() -> None:
    """Deliver every message that is due, once, then exit."""
    settings = commands.settings()
    refuse_file_transport(settings)

    async def work() -> tuple[mail_services.DeliveryReport, int]:
        transport = transport_for(settings.smtp_url, settings.outbox_dir)
        report = await mail_services.deliver_due(transport, settings=settings)
        return report, await mail_services.pending_count()

    report, pending = commands.run(settings, work)
    click.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry later, "
               f"{len(report.failed)} given up; {pending} pending.")
