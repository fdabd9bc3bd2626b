"""The `registry` command: run the service and operate it from a shell.

Every command reads the same REGISTRY_* settings as the service and calls the same
service functions as the web.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from registry import db, runtime
from registry.audit import services as audit
from registry.keys.store import KeyFileError
from registry.principles import diff as principles_diff
from registry.principles import services as principles
from registry.principles.document import PrinciplesSourceError, load_all
from registry.refusals import Refusal
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
        engine = runtime.configure(settings)
        await db.start(engine, pool_size=min(settings.database_pool_size, 2))
        try:
            return await work()
        finally:
            await db.stop(engine)

    try:
        return asyncio.run(main())
    except (PrinciplesSourceError, KeyFileError) as error:
        raise click.ClickException(str(error)) from error
    except Refusal as refusal:  # a rule said no: its words, in English
        raise click.ClickException(str(refusal)) from refusal


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


async def _sync_principles(settings: Settings) -> principles.SyncReport:
    """Sync the texts; a version coming into force supersedes accessions to older ones."""

    from registry.accessions import lifecycle

    async def supersede(version_id: str) -> str | None:
        count = await lifecycle.supersede(version_id, settings=settings)
        return f"{count} accession(s) to older versions superseded" if count else None

    return await principles.sync(settings.principles_dir, actor=audit.operator(),
                                 on_in_force=supersede)


async def _prepare(settings: Settings) -> principles.SyncReport:
    await db.migrate()
    return await _sync_principles(settings)


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
    report = _run(settings, lambda: _sync_principles(settings))
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


@main.group()
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
    from registry.staff import services as staff_services
    from registry.staff.permissions import Role

    settings = _settings()
    staff_id, url = _run(settings, lambda: staff_services.create_staff(
        email, name, frozenset(Role(r) for r in roles), actor=audit.operator(),
        settings=settings, language=language, send_mail=send_mail))
    click.echo(f"Created staff account {staff_id}. Enrolment link (one use, "
               f"{settings.enrolment_link_hours} hours):\n{url}")


@staff.command(name="list")
def staff_list() -> None:
    """List staff accounts."""
    from registry.staff import services as staff_services

    for account in _run(_settings(), staff_services.list_staff):
        roles = ",".join(sorted(r.value for r in account.roles))
        click.echo(f"{account.id:<5} {account.status.value:<10} {roles:<30} "
                   f"{account.email}  {account.name}")


@staff.command(name="disable")
@click.argument("account")
def staff_disable(account: str) -> None:
    """Disable ACCOUNT (an id or e-mail address) and end its sessions."""
    from registry.staff import services as staff_services

    async def work() -> int:
        staff_id = await staff_services.find_staff(account)
        await staff_services.disable_staff(staff_id, actor=audit.operator())
        return staff_id

    click.echo(f"Disabled staff account {_run(_settings(), work)}.")


@staff.command(name="reset")
@click.argument("account")
def staff_reset(account: str) -> None:
    """Forget ACCOUNT's password and second factor; print a new enrolment link."""
    from registry.staff import services as staff_services

    settings = _settings()

    async def work() -> str:
        staff_id = await staff_services.find_staff(account)
        return await staff_services.reset_staff(staff_id, actor=audit.operator(),
                                                settings=settings)

    click.echo(f"Enrolment link (one use, {settings.enrolment_link_hours} hours):\n"
               f"{_run(settings, work)}")


@main.group()
def accessions() -> None:
    """Accessions from the command line: review applications, and what follows."""


@accessions.command(name="list")
def accessions_list() -> None:
    """Applications waiting for review, with their warnings."""
    from registry.accessions import review

    for item in _run(_settings(), review.queue):
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
    from registry.accessions import review

    item = _run(_settings(), lambda: review.find(accession_id))
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
    from registry.accessions import review

    settings = _settings()
    signatory = _run(settings, lambda: review.approve(
        accession_id, actor=audit.operator(), settings=settings))
    click.echo(f"Accepted {accession_id}: signatory {signatory}.")


@accessions.command(name="reject")
@click.argument("accession_id")
@click.option("--reason", required=True, help="Sent to the applicant.")
def accessions_reject(accession_id: str, reason: str) -> None:
    """Refuse an application, telling the applicant why."""
    from registry.accessions import review

    settings = _settings()
    _run(settings, lambda: review.reject(accession_id, reason,
                                                    actor=audit.operator(), settings=settings))
    click.echo(f"Rejected {accession_id}.")


@accessions.command(name="ask")
@click.argument("accession_id")
@click.option("--question", required=True, help="Sent to the applicant, who answers "
              "through a link.")
def accessions_ask(accession_id: str, question: str) -> None:
    """Ask the applicant for more information before deciding."""
    from registry.accessions import review

    settings = _settings()
    _run(settings, lambda: review.ask(accession_id, question,
                                                 actor=audit.operator(), settings=settings))
    click.echo(f"Asked the applicant of {accession_id}; it waits for the answer.")


@accessions.command(name="deadlines")
def accessions_deadlines() -> None:
    """Carry out every deadline that has come (`registry serve` does so daily):
    supersession, lapse, withdrawals after their cooling-off, ends of suspensions,
    re-affirmation reminders."""
    from registry.accessions import lifecycle

    settings = _settings()
    report = _run(settings, lambda: lifecycle.run_deadlines(settings))
    click.echo(f"Done: {report}.")


@accessions.command(name="persecuted")
@click.argument("signatory_id")
@click.option("--off", is_flag=True, help="Lift the mark (paused deadlines move on).")
def accessions_persecuted(signatory_id: str, off: bool) -> None:
    """Mark a signatory as persecuted: its deadlines pause, and no status of theirs
    changes to their detriment without a decision of the ethics panel."""
    from registry.accessions import lifecycle

    settings = _settings()
    _run(settings, lambda: lifecycle.mark_persecuted(
        signatory_id, not off, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: persecuted mark {'lifted' if off else 'set'}.")


_DECISION = click.option("--decision", required=True,
                         help="The ethics panel's decision (its reference).")


@accessions.command(name="suspend")
@click.argument("signatory_id")
@click.option("--until", "until", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day the suspension ends (YYYY-MM-DD, UTC).")
@_DECISION
def accessions_suspend(signatory_id: str, until: Any, decision: str) -> None:
    """Suspend an accession by decision of the ethics panel."""
    from datetime import UTC

    from registry.accessions import lifecycle

    settings = _settings()
    _run(settings, lambda: lifecycle.suspend(
        signatory_id, until=until.replace(tzinfo=UTC), decision=decision,
        actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: suspended until {until:%Y-%m-%d}.")


@accessions.command(name="revoke")
@click.argument("signatory_id")
@_DECISION
def accessions_revoke(signatory_id: str, decision: str) -> None:
    """Revoke an accession (expulsion) by decision of the ethics panel."""
    from registry.accessions import lifecycle

    settings = _settings()
    _run(settings, lambda: lifecycle.revoke(
        signatory_id, decision=decision, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: revoked.")


@accessions.command(name="reinstate")
@click.argument("signatory_id")
@_DECISION
def accessions_reinstate(signatory_id: str, decision: str) -> None:
    """End a suspension early by decision of the ethics panel."""
    from registry.accessions import lifecycle

    settings = _settings()
    _run(settings, lambda: lifecycle.reinstate(
        signatory_id, decision=decision, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: active again.")


@accessions.command(name="complete-withdrawal")
@click.argument("signatory_id")
@_DECISION
def accessions_complete_withdrawal(signatory_id: str, decision: str) -> None:
    """Let a persecuted signatory's held withdrawal take effect, by decision of the panel."""
    from registry.accessions import lifecycle

    settings = _settings()
    _run(settings, lambda: lifecycle.complete_withdrawal(
        signatory_id, decision=decision, actor=audit.operator(), settings=settings))
    click.echo(f"Signatory {signatory_id}: withdrawn.")


@main.command(name="purge")
def purge_command() -> None:
    """Remove unconfirmed applications (after 7 days) and rejected ones (after 90 days).

    `registry serve` does this once a day; the periods are REGISTRY_PURGE_UNCONFIRMED_DAYS
    and REGISTRY_PURGE_REJECTED_DAYS.
    """
    from registry.accessions import purge

    settings = _settings()
    report = _run(settings, lambda: purge.purge(settings, actor=audit.operator()))
    click.echo(f"Removed {report.unconfirmed} unconfirmed and {report.rejected} rejected "
               "application(s).")


@main.group()
def outbox() -> None:
    """The mail outbox."""


@outbox.command(name="send")
def outbox_send() -> None:
    """Deliver every message that is due, once, then exit."""
    from registry.mail import services as mail_services
    from registry.mail.transport import transport_for

    settings = _settings()

    async def work() -> tuple[mail_services.DeliveryReport, int]:
        transport = transport_for(settings.smtp_url, settings.outbox_dir)
        report = await mail_services.deliver_due(transport, settings=settings)
        return report, await mail_services.pending_count()

    report, pending = _run(settings, work)
    click.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry later, "
               f"{len(report.failed)} given up; {pending} pending.")


@main.group()
def keys() -> None:
    """Keys kept outside the database: the signing keys (show, rotate) and the data key."""


@keys.command(name="rotate-data-key")
def keys_rotate_data_key() -> None:
    """Make a new data key active and re-encrypt every confidential field with it.

    Old keys stay in the key file, so backups made before remain readable. Restart the
    service afterwards so that new writes use the new key at once.
    """
    from registry.keys.rotation import rotate_data_key

    settings = _settings()
    counts = _run(settings, lambda: rotate_data_key(settings, actor=audit.operator()))
    total = sum(counts.values())
    click.echo(f"New data key active; {total} field(s) re-encrypted.")
    for purpose, count in counts.items():
        if count:
            click.echo(f"  {purpose}: {count}")


@keys.command(name="show")
def keys_show() -> None:
    """The signing keys: which one signs, which the JWKS publishes, and which are retired
    (nothing they signed is still valid)."""
    from registry import keys as keyring_module
    from registry.badges import services as badges

    settings = _settings()

    async def work() -> tuple[str, list[Any], set[str]]:
        signing = keyring_module.keyring().signing
        published = {key["kid"] for key in await badges.published_keys()}
        return signing.active().kid, signing.all(), published

    active, all_keys, published = _run(settings, work)
    for key in all_keys:
        state = "active, published" if key.kid == active else (
            "published (signed credentials still valid)" if key.kid in published else "retired")
        click.echo(f"{key.kid}  {state}  x={key.public_jwk()['x'][:16]}…")


@keys.command(name="rotate")
def keys_rotate() -> None:
    """Make a new signing key active. Every badge gets a credential signed with it at
    once; credentials signed before still verify, because the old key stays in the JWKS
    until the last of them has expired."""
    from registry import keys as keyring_module
    from registry.audit.tags import EventTag
    from registry.badges import services as badges

    settings = _settings()

    async def work() -> tuple[str, int]:
        signing = keyring_module.keyring().signing
        old = signing.active().kid
        new = signing.rotate().kid
        async with db.write_transaction():
            await audit.record(EventTag.keys_signing_key_rotated, actor=audit.operator(),
                               details={"old": old, "new": new})
        return new, await badges.reissue_all(settings)

    kid, count = _run(settings, work)
    click.echo(f"New signing key {kid} active; {count} badge credential(s) issued with it.")


@main.command(name="verify")
@click.argument("credential")
@click.option("--jwks", "jwks_source", metavar="FILE|URL",
              help="The registry's public keys (default: the issuer's /.well-known/jwks.json).")
@click.option("--status-list", "status_sources", metavar="FILE|URL", multiple=True,
              help="A status list credential (give both, revocation and suspension; default: "
              "fetched from the issuer's /status/ addresses the credential names).")
@click.option("--issuer", help="The issuer to trust (default REGISTRY_BASE_URL).")
def verify_command(credential: str, jwks_source: str | None, status_sources: tuple[str, ...],
                   issuer: str | None) -> None:
    """Check a badge credential offline: CREDENTIAL is the compact JWS, a file holding
    it, or - for standard input. Exits 0 only when every check holds."""
    from pathlib import Path

    from registry.badges import offline

    token = credential
    if credential == "-":
        token = sys.stdin.read(100_000)
    elif "." not in credential.strip(".") or len(credential) < 255:  # a path, perhaps
        with contextlib.suppress(OSError, UnicodeDecodeError):
            token = Path(credential).read_text(encoding="utf-8")[:100_000]
    try:
        result = offline.verify(token, issuer=issuer or _settings().base_url,
                                jwks_source=jwks_source, status_sources=status_sources)
    except offline.SourceError as error:
        raise click.ClickException(str(error)) from error
    for check in result.checks:
        mark = {True: "ok  ", False: "FAIL", None: "-   "}[check.ok]
        click.echo(f"{mark} {check.name}: {check.text}")
    if result.credential:
        subject = result.credential.get("credentialSubject", {})
        click.echo(f"Subject: {subject.get('name', '(unlisted)')} "
                   f"({subject.get('signatoryId')}), Principles "
                   f"{subject.get('principles', {}).get('version')}")
    click.echo("VALID" if result.valid else "NOT VALID")
    if not result.valid:
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
