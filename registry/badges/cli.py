"""`registry keys show|rotate` (the signing keys and the badges they sign) and
`registry verify` (a badge credential, offline)."""

from __future__ import annotations

import contextlib
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from registry import commands, db
from registry import keys as keyring_module
from registry.audit import services as audit
from registry.audit.tags import EventTag
from registry.badges import offline
from registry.badges import services as badges


@click.group(name="keys")
def keys_group() -> None:
    """Keys kept outside the database: the signing keys (show, rotate) and the data key."""


@keys_group.command(name="show")
def keys_show() -> None:
    """The signing keys: which one signs, which the JWKS publishes, and which are retired
    (nothing they signed is still valid)."""
    settings = commands.settings()

    async def work() -> tuple[str, list[Any], set[str]]:
        signing = keyring_module.keyring().signing
        published = {key["kid"] for key in await badges.published_keys()}
        return signing.active().kid, signing.all(), published

    active, all_keys, published = commands.run(settings, work)
    for key in all_keys:
        state = "active, published" if key.kid == active else (
            "published (signed credentials still valid)" if key.kid in published else "retired")
        click.echo(f"{key.kid}  {state}  x={key.public_jwk()['x'][:16]}…")


@keys_group.command(name="rotate")
def keys_rotate() -> None:
    """Make a new signing key active. Every badge gets a credential signed with it at
    once; credentials signed before still verify, because the old key stays in the JWKS
    until the last of them has expired."""
    settings = commands.settings()

    async def work() -> tuple[str, int]:
        signing = keyring_module.keyring().signing
        old = signing.active().kid
        new = signing.rotate().kid
        async with db.write_transaction():
            await audit.record(EventTag.keys_signing_key_rotated, actor=audit.operator(),
                               details={"old": old, "new": new})
        return new, await badges.reissue_all(settings)

    kid, count = commands.run(settings, work)
    click.echo(f"New signing key {kid} active; {count} badge credential(s) issued with it.")


class _MaxAge(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return offline.parse_duration(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


UNKNOWN_EXIT = 3  # neither valid nor not: a status list could not be trusted


@click.command(name="verify")
@click.argument("credential")
@click.option("--jwks", "jwks_source", metavar="FILE|URL",
              help="The registry's public keys (default: the issuer's /.well-known/jwks.json).")
@click.option("--status-list", "status_sources", metavar="FILE|URL", multiple=True,
              help="A status list credential (give both, revocation and suspension; default: "
              "fetched from the issuer's /status/ addresses the credential names).")
@click.option("--max-age", type=_MaxAge(), default="1d", show_default=True,
              help="The oldest status list to trust: 90m, 24h, 2d, or a number of hours. "
              "An older one (or one issued in the future) makes the verdict UNKNOWN.")
@click.option("--issuer", help="The issuer to trust (default REGISTRY_BASE_URL).")
def verify_command(credential: str, jwks_source: str | None, status_sources: tuple[str, ...],
                   max_age: timedelta, issuer: str | None) -> None:
    """Check a badge credential offline: CREDENTIAL is the compact JWS, a file holding
    it, or - for standard input. Exits 0 only when every check holds (1: not valid;
    3: unknown, a status list is too old or from the future)."""
    token = credential
    if credential == "-":
        token = sys.stdin.read(100_000)
    elif "." not in credential.strip(".") or len(credential) < 255:  # a path, perhaps
        with contextlib.suppress(OSError, UnicodeDecodeError):
            token = Path(credential).read_text(encoding="utf-8")[:100_000]
    try:
        verdict = offline.verify(token, issuer=issuer or commands.settings().base_url,
                                 jwks_source=jwks_source, status_sources=status_sources,
                                 max_age=max_age)
    except offline.SourceError as error:
        raise click.ClickException(str(error)) from error
    result = verdict.result
    for check in result.checks:
        mark = {True: "ok  ", False: "FAIL", None: "-   "}[check.ok]
        click.echo(f"{mark} {check.name}: {check.text}")
    if result.credential:
        subject = result.credential.get("credentialSubject", {})
        click.echo(f"Subject: {subject.get('name', '(unlisted)')} "
                   f"({subject.get('signatoryId')}), Principles "
                   f"{subject.get('principles', {}).get('version')}")
    for used in verdict.lists:
        if used.issued is None or used.age is None:
            click.echo(f"Status list {used.purpose}: no issue time ({used.url})")
            continue
        when = f"{offline.span(used.age)} {'from now' if used.future else 'ago'}"
        click.echo(f"Status list {used.purpose}: issued {used.issued.isoformat()} ({when}; "
                   f"maximum age {offline.span(max_age)})")
    if verdict.valid:
        click.echo("VALID")
    elif verdict.unknown:
        future = any(used.problem and used.future for used in verdict.lists)
        click.echo("UNKNOWN: status list issued in the future" if future else
                   "UNKNOWN: status list too old")
        sys.exit(UNKNOWN_EXIT)
    else:
        click.echo("NOT VALID")
        sys.exit(1)
