"""The move of the badge images into badge_image cannot be undone without leaving the
older code with empty images: going back refuses, in words, and changes nothing."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
MOVED = "2026-12-02T15:48:29:442076"


def _run(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data), "PICCOLO_CONF": "registry.piccolo_conf",
           "REGISTRY_DATABASE_URL": f"sqlite:///{data / 'registry.sqlite3'}"}
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_going_back_past_the_move_of_the_images_refuses_and_changes_nothing(tmp_path: Path):
    """On a database of its own (SQLite, whatever the suite's engine), so that going
    back touches no other test's tables."""
    assert _run(str(BIN / "registry"), "migrate", data=tmp_path).returncode == 0
    database = tmp_path / "registry.sqlite3"
    tables = {row[0] for row in sqlite3.connect(database).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "badge_image" in tables

    back = _run(str(BIN / "piccolo"), "migrations", "backwards", "badges",
                f"--migration_id={MOVED}", "--auto_agree", data=tmp_path)
    assert "Restore a backup made before this migration" in back.stdout + back.stderr
    with sqlite3.connect(database) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(badge)")}
        tables = {row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        ran = {row[0] for row in db.execute("SELECT name FROM migration")}
    assert "badge_image" in tables and "svg" not in columns
    assert MOVED in ran
