"""The suite runs on the engine it was asked for: a PostgreSQL run never falls back."""

import os

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from registry import db
from registry.principles.tables import PrinciplesVersion


async def test_the_requested_engine_is_the_one_in_use(settings):
    requested = os.environ.get("REGISTRY_TEST_DATABASE_URL", "")
    if requested.startswith("postgres"):
        assert isinstance(db.engine(), PostgresEngine)
        rows = await PrinciplesVersion.raw("SELECT version() AS v")
        assert rows[0]["v"].startswith("PostgreSQL")
    else:
        assert isinstance(db.engine(), SQLiteEngine)
        rows = await PrinciplesVersion.raw("PRAGMA journal_mode")
        assert rows[0]["journal_mode"] == "wal"
    assert PrinciplesVersion._meta.db is db.engine()
