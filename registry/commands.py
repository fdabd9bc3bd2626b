"""What every `registry` command shares: the settings, and running one piece of async work
against the configured database, with a rule's refusal printed in words (and a database
that cannot be reached or is not migrated said in one line, never a traceback)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click
from pydantic import ValidationError

from registry import db, runtime
from registry.keys.store import KeyFileError
from registry.principles.document import PrinciplesSourceError
from registry.refusals import Refusal
from registry.settings import Settings

T = TypeVar("T")


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"REGISTRY_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise click.ClickException(f"invalid configuration: {problems}") from error


async def _require_migrated(settings: Settings) -> None:
    shown = db.shown_url(settings.database_url)
    try:
        pending = len(await db.unapplied_migrations())
    except db.DatabaseUnavailable as error:
        raise db.DatabaseUnavailable(f"the database at {shown} cannot be reached: {error}"
                                     ) from error
    if pending:
        raise db.DatabaseUnavailable(
            f"the database at {shown} is not migrated ({pending} migration"
            f"{'s' if pending != 1 else ''} pending): run `registry migrate`")


def run(settings: Settings, work: Callable[[], Awaitable[T]], *, migrated: bool = True) -> T:
    """Run one piece of async work against the configured database; unless the work
    migrates it (`migrated=False`), only once every migration has been applied."""

    async def main() -> T:
        engine = runtime.configure(settings)
        try:
            await db.start(engine, pool_size=min(settings.database_pool_size, 2))
        except OSError as error:
            raise db.DatabaseUnavailable(
                f"the database at {db.shown_url(settings.database_url)} cannot be reached: "
                f"{error}") from error
        try:
            if migrated:
                await _require_migrated(settings)
            return await work()
        finally:
            await db.stop(engine)

    try:
        return asyncio.run(main())
    except (PrinciplesSourceError, KeyFileError, db.DatabaseUnavailable) as error:
        raise click.ClickException(str(error)) from error
    except Refusal as refusal:  # a rule said no: its words, in English
        raise click.ClickException(str(refusal)) from refusal
