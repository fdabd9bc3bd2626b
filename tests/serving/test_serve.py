"""`registry serve` with no configuration at all serves the Principles on SQLite."""

from pathlib import Path

import httpx
import pytest

from tests.serving.server import running_registry


def test_serve_with_no_configuration_uses_sqlite_under_var(tmp_path: Path):
    with running_registry(tmp_path, env={}) as base:
        page = httpx.get(f"{base}/principles/1.0/11")
        assert page.status_code == 200
        assert "11. Confidentiality and protection of personal data" in page.text
        api = httpx.get(f"{base}/api/v1/principles").json()
        assert api[0]["version"] == "1.0" and api[0]["status"] == "in_force"
        assert "server" not in page.headers  # no software banner
    assert (tmp_path / "var" / "registry.sqlite3").is_file()
    log = (tmp_path / "serve.log").read_text()
    assert "principles: 1.0: added as in_force" in log
    assert "127.0.0.1:" not in log.split("Uvicorn running on")[-1].split("\n", 1)[-1], (
        "no client address may be logged")


def test_a_second_start_finds_nothing_to_migrate_or_sync(tmp_path: Path):
    with running_registry(tmp_path, env={}):
        pass
    (tmp_path / "serve.log").unlink()
    with running_registry(tmp_path, env={}):
        pass
    assert "principles: 1.0: unchanged" in (tmp_path / "serve.log").read_text()


def test_serve_refuses_to_start_when_a_published_text_was_edited(tmp_path: Path):
    import shutil

    from tests.conftest import PRINCIPLES

    principles = tmp_path / "principles"
    shutil.copytree(PRINCIPLES, principles)
    env = {"REGISTRY_PRINCIPLES_DIR": str(principles)}
    with running_registry(tmp_path, env=env):
        pass
    text = principles / "1.0" / "en.toml"
    text.write_text(text.read_text().replace("Non-violence", "Nonviolence"))
    with pytest.raises(RuntimeError, match=r"(?s)registry serve exited.*version 1\.0 is "
                       r"published \(in_force\) and its text is immutable"), \
            running_registry(tmp_path, env=env, timeout=30):
        pass
