"""What every `registry` command shares: the settings, and running one piece of async work
against the configured database, with a rule's refusal printed in words."""

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


def run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
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
