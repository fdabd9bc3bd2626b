"""A production registry never falls back to .eml files silently: `registry serve` with
an https:// address and no SMTP server stops before listening, and the deploy files
pass the SMTP settings."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import PRINCIPLES, REPO
from tests.serving.server import running_registry

DEPLOY = REPO / "deploy"
PRODUCTION = {"REGISTRY_BASE_URL": "https://registry.example",
              "REGISTRY_PRINCIPLES_DIR": str(PRINCIPLES)}


def registry(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("registry")), *args], cwd=cwd,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize("command", [("serve",), ("outbox", "send")])
def test_an_https_registry_without_smtp_refuses_in_one_line(tmp_path, command):
    done = registry(tmp_path, *command, env=PRODUCTION)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: REGISTRY_BASE_URL is https://registry.example but REGISTRY_SMTP_URL is not "
        "set, so every mail would be kept as a plaintext .eml file in "
        "var/outbox: set REGISTRY_SMTP_URL "
        "(smtp+starttls://user:password@host:587), or "
        "REGISTRY_MAIL_FILE_TRANSPORT_ALLOWED=true if that is really wanted"]
    assert not (tmp_path / "var").exists()  # refused before migrating anything


@pytest.mark.parametrize("extra", [
    {"REGISTRY_MAIL_FILE_TRANSPORT_ALLOWED": "true"},
    # Starting needs no mail server: the sender retries until it answers.
    {"REGISTRY_SMTP_URL": "smtp+starttls://registry:pass@127.0.0.1:1"},
])
def test_an_https_registry_starts_with_smtp_or_with_files_allowed(tmp_path, extra):
    with running_registry(tmp_path, env={**PRODUCTION, **extra}):
        pass


def test_a_plain_http_registry_still_writes_files_without_asking(run_cli):
    done = run_cli("outbox", "send")
    assert done.code == 0, done.output
    assert done.out.strip() == "0 sent, 0 to retry later, 0 given up; 0 pending."


def test_the_compose_file_passes_the_smtp_settings_and_requires_the_server():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    environment = compose["services"]["registry"]["environment"]
    assert environment["REGISTRY_SMTP_URL"].startswith("${REGISTRY_SMTP_URL:?")
    assert environment["REGISTRY_MAIL_FROM"].startswith("${REGISTRY_MAIL_FROM")
    assert environment["REGISTRY_BASE_URL"].startswith("https://")
    example = dict(line.split("=", 1) for line in (DEPLOY / "env.example").read_text()
                   .splitlines() if line and not line.startswith("#"))
    assert example["REGISTRY_SMTP_URL"].startswith("smtp+starttls://")
    assert "REGISTRY_MAIL_FROM" in example


def test_the_systemd_unit_passes_its_environment_file_and_says_what_it_holds():
    text = (DEPLOY / "principles-registry.service").read_text()
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(text)
    assert unit["Service"]["EnvironmentFile"] == "/etc/principles-registry/env"
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(line.startswith("#   REGISTRY_SMTP_URL=smtp") for line in header)
    assert any(line.startswith("#   REGISTRY_MAIL_FROM=") for line in header)
