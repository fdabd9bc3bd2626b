"""Liveness and readiness."""

from pathlib import Path

from litestar.testing import AsyncTestClient

from registry import db
from registry.app import create_app
from tests.conftest import make_settings


async def test_healthz_and_readyz_on_a_migrated_database(client: AsyncTestClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_readyz_refuses_until_migrations_are_applied(tmp_path: Path, migrated):
    fresh = make_settings(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        app = create_app(fresh)
        async with AsyncTestClient(app=app) as client:
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert "unreachable" in response.json()["detail"]  # no migration table yet
            await db.migrate()
            assert (await client.get("/readyz")).status_code == 200
            from piccolo.apps.migrations.tables import Migration

            await Migration.delete().where(Migration.app_name == "principles").run()
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert "migrations not applied: principles:" in response.json()["detail"]
    finally:
        db.configure(migrated)
