"""`registry staff`: accounts from the command line."""

from __future__ import annotations

import click

from registry import commands
from registry.audit import services as audit
from registry.staff import services as staff_services
from registry.staff.permissions import Role


@click.group()
def staff() -> None:
    """Staff accounts: create, list, disable, reset."""


@staff.command(name="create")
@click.option("--email", required=True, help="The staff member's e-mail address.")
@click.option("--name", required=True, help="Their name as colleagues know it.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["secretariat", "panel_member", "panel_chair", "admin"]),
              help="A role; repeat for several.")
@click.option("--language", type=click.Choice(["en", "be", "ru"]), default="en",
              show_default=True, help="The language of their mails.")
@click.option("--mail/--no-mail", "send_mail", default=False, show_default=True,
              help="Also send the enrolment link to the address (through the outbox).")
def staff_create(email: str, name: str, roles: tuple[str, ...], language: str,
                 send_mail: bool) -> None:
    """Create an account and print its one-time enrolment link."""
    settings = commands.settings()
    staff_id, url = commands.run(settings, lambda: staff_services.create_staff(
        email, name, frozenset(Role(r) for r in roles), actor=audit.operator(),
        settings=settings, language=language, send_mail=send_mail))
    click.echo(f"Created staff account {staff_id}. Enrolment link (one use, "
               f"{settings.enrolment_link_hours} hours):\n{url}")


@staff.command(name="list")
def staff_list() -> None:
    """List staff accounts."""
    for account in commands.run(commands.settings(), staff_services.list_staff):
        roles = ",".join(sorted(r.value for r in account.roles))
        click.echo(f"{account.id:<5} {account.status.value:<10} {roles:<30} "
                   f"{account.email}  {account.name}")


@staff.command(name="disable")
@click.argument("account")
def staff_disable(account: str) -> None:
    """Disable ACCOUNT (an id or e-mail address) and end its sessions."""
    async def work() -> int:
        staff_id = await staff_services.find_staff(account)
        await staff_services.disable_staff(staff_id, actor=audit.operator())
        return staff_id

    click.echo(f"Disabled staff account {commands.run(commands.settings(), work)}.")


@staff.command(name="reset")
@click.argument("account")
def staff_reset(account: str) -> None:
    """Forget ACCOUNT's password and second factor; print a new enrolment link."""
    settings = commands.settings()

    async def work() -> str:
        staff_id = await staff_services.find_staff(account)
        return await staff_services.reset_staff(staff_id, actor=audit.operator(),
                                                settings=settings)

    click.echo(f"Enrolment link (one use, {settings.enrolment_link_hours} hours):\n"
               f"{commands.run(settings, work)}")
