"""Keys are never made by accident, `serve` refuses keys that do not fit the database, and
a database that is not migrated is said in one line: the real `registry` command, as a
subprocess, on the run's database engine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from registry import db
from registry.keys.signing import SigningKeys
from registry.keys.store import new_data_keys, write_private
from tests.accessions.test_lifecycle import accepted
from tests.conftest import CliResult, keys_env
from tests.serving.server import free_port
from tests.staff.helpers import make_member

REGISTRY = str(Path(sys.executable).with_name("registry"))


def registry(*args: str, env: dict[str, str], cwd: Path, timeout: float = 120) -> CliResult:
    """`registry ARGS` with exactly these REGISTRY_* settings (none inherited)."""
    base = {name: value for name, value in os.environ.items()
            if not name.startswith("REGISTRY_")}
    done = subprocess.run([REGISTRY, *args], env={**base, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return CliResult(done.returncode, done.stdout, done.stderr)


def one_line_error(result: CliResult) -> str:
    """A refusal: a non-zero exit and one line, never a traceback."""
    assert result.code != 0, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def settings_env(settings, data_dir: Path, **more: str) -> dict[str, str]:
    return {"REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_DATABASE_URL": settings.database_url,
            "REGISTRY_PRINCIPLES_DIR": str(settings.principles_dir), **more}


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


@pytest.fixture
async def empty_database(tmp_path, database_url) -> AsyncIterator[str]:
    """A database of its own with nothing in it (on PostgreSQL: a second database on the
    same server, dropped afterwards)."""
    if not database_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_commands"
    server = parts._replace(path="/postgres").geturl()

    async def run(*statements: str) -> None:
        connection = await asyncpg.connect(dsn=server)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Keys are never made by accident ---------------------------------------------------

async def test_a_data_dir_without_keys_is_refused_when_the_database_holds_sealed_data(
        settings, tmp_path):
    await make_member(settings, name="Sealed Person")  # staff_member.email, sealed
    fresh = tmp_path / "new-host"
    env = settings_env(settings, fresh)
    for command in (("staff", "list"), ("migrate",), ("serve", "--port", str(free_port()))):
        line = one_line_error(registry(*command, env=env, cwd=tmp_path))
        assert "refusing to make new keys" in line, line
        assert str(fresh / "keys" / "data-keys.json") in line
        assert str(fresh / "keys" / "secret.key") in line
        assert "holds values sealed with other keys" in line
        assert "restore the key files from a backup" in line
        assert "REGISTRY_DATA_KEY_FILE / REGISTRY_SECRET_KEY_FILE" in line
        assert files_under(fresh / "keys") == [], command  # no key was made
    # Pointed at the run's key files, the same host works.
    listed = registry("staff", "list", env={**env, **keys_env(settings.data_dir)}, cwd=tmp_path)
    assert listed.code == 0, listed.output
    assert files_under(fresh / "keys") == []


async def test_signing_keys_are_not_made_when_the_database_holds_signatures(
        client, synced, tmp_path):
    await accepted(client, synced)  # a badge credential and status lists, signed
    fresh = tmp_path / "new-host"
    env = settings_env(synced, fresh, **{**keys_env(synced.data_dir),
                                         "REGISTRY_SIGNING_KEYS_DIR": str(fresh / "signing")})
    line = one_line_error(registry("keys", "show", env=env, cwd=tmp_path))
    assert f"the signing keys in {fresh / 'signing'} (no active key) missing" in line, line
    assert "signatures made with other keys" in line and "REGISTRY_SIGNING_KEYS_DIR" in line
    assert files_under(fresh) == []


async def test_keys_are_made_for_a_fresh_database_only(empty_database, tmp_path, settings):
    fresh = tmp_path / "first-start"
    env = settings_env(settings, fresh, REGISTRY_DATABASE_URL=empty_database)
    made = registry("migrate", env=env, cwd=tmp_path)
    assert made.code == 0, made.output
    assert {path.name for path in files_under(fresh / "keys")} >= {
        "data-keys.json", "secret.key", "active"}


# --- serve: the keys fit the database --------------------------------------------------

def serve(settings, tmp_path: Path, **keys: str) -> str:
    env = settings_env(settings, tmp_path / "host", **{**keys_env(settings.data_dir), **keys})
    return one_line_error(registry("serve", "--port", str(free_port()), env=env, cwd=tmp_path))


async def test_serve_refuses_a_foreign_signing_key_set(client, synced, tmp_path):
    await accepted(client, synced)
    signed_with = (synced.data_dir / "keys" / "signing" / "active").read_text().strip()
    foreign = tmp_path / "foreign-signing"
    SigningKeys(foreign).ensure()  # another installation's keys
    line = serve(synced, tmp_path, REGISTRY_SIGNING_KEYS_DIR=str(foreign))
    assert "the keys do not fit the database" in line, line
    assert f"{foreign} does not hold the signing key(s) {signed_with}" in line
    assert "which signed credentials still valid" in line


async def test_serve_refuses_a_data_key_file_that_does_not_open_the_data(settings, tmp_path):
    await make_member(settings, name="Sealed Person")
    own = json.loads((settings.data_dir / "keys" / "data-keys.json").read_text())
    other = tmp_path / "other-data-keys.json"
    write_private(other, new_data_keys().to_json())
    line = serve(settings, tmp_path, REGISTRY_DATA_KEY_FILE=str(other))
    assert f"{other} does not hold data key {own['active']}, which sealed" in line, line
    # A key of the same id that is not the same key (a file edited or mixed up).
    changed = {**own, "keys": {**own["keys"], own["active"]: "A" * 43}}
    write_private(other, json.dumps(changed))
    line = serve(settings, tmp_path, REGISTRY_DATA_KEY_FILE=str(other))
    assert f"data key {own['active']} in {other} does not open" in line, line
    assert "it is not the key that sealed it" in line


# --- A database that is not migrated ---------------------------------------------------

def piccolo_forwards(app: str, *, env: dict[str, str], cwd: Path) -> None:
    piccolo = str(Path(sys.executable).with_name("piccolo"))
    applied = subprocess.run([piccolo, "migrations", "forwards", app], cwd=cwd,
                             env={**os.environ, **env, "PICCOLO_CONF": "registry.piccolo_conf"},
                             capture_output=True, text=True, timeout=120, check=False)
    assert applied.returncode == 0, applied.stdout + applied.stderr


async def test_a_database_not_migrated_is_said_in_one_line(empty_database, tmp_path, settings):
    env = settings_env(settings, tmp_path / "var", REGISTRY_DATABASE_URL=empty_database)
    expected = len(db.expected_migrations())
    line = one_line_error(registry("staff", "list", env=env, cwd=tmp_path))
    assert line == (f"Error: the database at {empty_database} is not migrated "
                    f"({expected} migrations pending): run `registry migrate`"), line

    # Partly migrated: one capability's migrations applied, by Piccolo itself.
    piccolo_forwards("principles", env=env, cwd=tmp_path)
    line = one_line_error(registry("staff", "list", env=env, cwd=tmp_path))
    pending = int(re.search(r"\((\d+) migrations? pending\)", line)[1])
    assert 0 < pending < expected, line
    assert line.endswith("run `registry migrate`")

    assert registry("migrate", env=env, cwd=tmp_path).code == 0
    listed = registry("staff", "list", env=env, cwd=tmp_path)
    assert listed.code == 0, listed.output


def test_the_password_of_a_database_url_is_never_shown():
    assert db.shown_url("postgresql://registry:s3cret@db:5432/registry") == (
        "postgresql://registry:***@db:5432/registry")
    assert db.shown_url("sqlite:///var/registry.sqlite3") == "sqlite:///var/registry.sqlite3"


def test_an_unreachable_database_is_said_in_one_line(tmp_path, settings):
    port = free_port()  # nothing listens there
    env = settings_env(settings, tmp_path / "var", **keys_env(settings.data_dir),
                       REGISTRY_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/none")
    result = registry("staff", "list", env=env, cwd=tmp_path)
    assert result.code != 0 and "Traceback" not in result.output, result.output
    line = result.err.strip().splitlines()[-1]  # after Piccolo's own warning
    assert line.startswith(f"Error: the database at postgresql://postgres@127.0.0.1:{port}/none"
                           " cannot be reached"), line

