"""`registry accessions` and `registry purge`: review and life after acceptance from the
command line."""

from __future__ import annotations

import click

from registry import commands
from registry.accessions import lifecycle, purge, review
from registry.audit import services as audit


@click.group()
def accessions() -> None:
    """Accessions from the command line: review applications, and what follows."""


@accessions.command(name="list")
def accessions_list() -> None:
    """Applications waiting for review, with their warnings."""
    for item in commands.run(commands.settings(), review.queue):
        warnings = [f"{len(item.look_alikes)} look-alike(s)"] if item.look_alikes else []
        if item.principle_14_flag:
            warnings.append("Principle 14")
        click.echo(f"{item.public_id}  {item.application['kind']:<12} "
                   f"{item.application['listing']:<12} {item.application['public_name']}"
                   + (f"  [{'; '.join(warnings)}]" if warnings else ""))


@accessions.command(name="show")
@click.argument("accession_id")
def accessions_show(accession_id: str) -> None:
    """Everything an application says, and its look-alikes."""
    item = commands.run(commands.settings(), lambda: review.find(accession_id))
    click.echo(f"{item.public_id}: {item.status}, version {item.version_id}")
    for key, value in item.application.items():
        if key not in ("applicant_jwk", "applicant_signature"):
            click.echo(f"  {key}: {value}")
    for alike in item.look_alikes:
        click.echo(f"  LOOK-ALIKE: {alike.name} ({alike.other}, {alike.status}): {alike.why}")
    for message in item.messages:
        click.echo(f"  {message.author.upper()} ({message.at:%Y-%m-%d %H:%M}): {message.body}")


@accessions.command(name="approve")
@click.argument("accession_id")
def accessions_approve(accession_id: str) -> None:
    """Accept an application; it enters the register as its listing allows."""
    settings = commands.settings()
    signatory = commands.run(settings, lambda: review.approve(
        accession_id, actor=audit.operator(), settings=settings))
    click.echo(f"Accepted {accession_id}: signatory {signatory}.")


@accessions.command(name="reject")
@click.argument("accession_id")
@click.option("--reason", required=True, help="Sent to the applicant.")
def accessions_reject(accession_id: str, reason: str) -> None:
    """Refuse an application, telling the applicant why."""
    settings = commands.settings()
    commands.run(settings, lambda: review.reject(accession_id, reason,
                                                    actor=audit.operator(), settings=settings))
    click.echo(f"Rejected {accession_id}.")


@accessions.command(name="ask")
@click.argument("accession_id")
@click.option("--question", required=True, help="Sent to the applicant, who answers "
              "through a link.")
def accessions_ask(accession_id: str, question: str) -> None:
    """Ask the applicant for more information before deciding."""
    settings = commands.settings()
    commands.run(settings, lambda: review.ask(accession_id, question,
                                                 actor=audit.operator(), settings=settings))
    click.echo(f"Asked the applicant of {accession_id}; it waits for the answer.")


@accessions.command(name="persecuted")
@click.argument("signatory_id")
@click.option("--off", is_flag=True, help="Lift the mark (paused deadlines move on).")
def accessions_persecuted(signatory_id: str, off: bool) -> None:
    """Mark a signatory as persecuted: its deadlines pause, and no status of theirs
    changes to their detriment without a decision of the ethics panel."""
    settings = commands.settings()
    commands.run(settings, lambda: lifecycle.mark_persecuted(
        signatory_id, not off, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: persecuted mark {'lifted' if off else 'set'}.")


_DECISION = click.option("--decision", required=True,
                         help="The ethics panel's decision (its reference).")


@accessions.command(name="reinstate")
@click.argument("signatory_id")
@_DECISION
def accessions_reinstate(signatory_id: str, decision: str) -> None:
    """End a suspension early by decision of the ethics panel."""
    settings = commands.settings()
    commands.run(settings, lambda: lifecycle.reinstate(
        signatory_id, decision=decision, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: active again.")


@accessions.command(name="complete-withdrawal")
@click.argument("signatory_id")
@_DECISION
def accessions_complete_withdrawal(signatory_id: str, decision: str) -> None:
    """Let a persecuted signatory's held withdrawal take effect, by decision of the panel."""
    settings = commands.settings()
    commands.run(settings, lambda: lifecycle.complete_withdrawal(
        signatory_id, decision=decision, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: withdrawn.")


@click.command(name="purge")
def purge_command() -> None:
    """Remove unconfirmed applications (after 7 days) and rejected ones (after 90 days).

    `registry serve` does this once a day; the periods are REGISTRY_PURGE_UNCONFIRMED_DAYS
    and REGISTRY_PURGE_REJECTED_DAYS.
    """
    settings = commands.settings()
    report = commands.run(settings, lambda: purge.purge(settings, actor=audit.operator()))
    click.echo(f"Removed {report.unconfirmed} unconfirmed and {report.rejected} rejected "
               "application(s).")
