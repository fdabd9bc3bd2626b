"""Two hosts, one PostgreSQL database: a panel decision taken through one host shows on
the other within two seconds, though the other had the badge cached (a suspension from
another process, then its end decided through host A). The hosts share
the database and the configured key files, nothing else (each its own data directory).
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyotp
import pytest

from registry.badges import bitstring
from tests.accessions.test_submission import FORM
from tests.conftest import REPO, empty_database_in_a_thread
from tests.serving.server import running_registry

REGISTRY = str(Path(sys.executable).with_name("registry"))
PASSWORD = "a long phrase of several words"
BASE_URL = "http://registry.test"  # the public address both hosts serve behind
WITHIN = 2.0


def _csrf(page: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert found, "the form has no CSRF token"
    return found[1]


def _private_copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    target.chmod(0o600)


def _shared_keys(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    """The keys of the run that made the database (its tables hold what they sealed),
    copied into one folder both hosts read, as an operator would provision them."""
    made, shared = data_dir / "keys", tmp_path / "keys"
    shared.mkdir(mode=0o700)
    active = (made / "signing" / "active").read_text().strip()
    _private_copy(made / "data-keys.json", shared / "data-keys.json")
    _private_copy(made / "secret.key", shared / "secret.key")
    _private_copy(made / "signing" / f"{active}.pem", shared / "signing.pem")
    return {"REGISTRY_DATA_KEY_FILE": str(shared / "data-keys.json"),
            "REGISTRY_SECRET_KEY_FILE": str(shared / "secret.key"),
            "REGISTRY_SIGNING_KEY_FILE": str(shared / "signing.pem")}


def _first_time(checks: dict[str, Callable[[], bool]], within: float) -> dict[str, float]:
    """Seconds until each check first holds, trying them all in turn."""
    began, seen = time.monotonic(), {}
    while len(seen) < len(checks):
        for name, check in checks.items():
            if name not in seen and check():
                seen[name] = time.monotonic() - began
        if time.monotonic() - began > within + 3:
            break
        time.sleep(0.01)
    return seen


def test_a_decision_through_host_a_shows_on_host_b_at_once(tmp_path, data_dir,
                                                             database_url, is_postgres):
    if not is_postgres:
        pytest.skip("hosts share a PostgreSQL database; SQLite runs serve one host")
    empty_database_in_a_thread(data_dir, database_url)
    common = {"REGISTRY_DATABASE_URL": database_url, "REGISTRY_BASE_URL": BASE_URL,
              "REGISTRY_OUTBOX_POLL_SECONDS": "3600"}  # mail: sent below by the CLI
    common.update(_shared_keys(tmp_path, data_dir))
    folders = {name: tmp_path / name for name in ("a", "b", "cli")}
    for folder in folders.values():
        folder.mkdir()

    def env_of(name: str) -> dict[str, str]:
        return {**common, "REGISTRY_DATA_DIR": str(folders[name] / "var")}

    def cli(*args: str) -> str:
        done = subprocess.run([REGISTRY, *args], cwd=folders["cli"], capture_output=True,
                              text=True, env={**os.environ, **env_of("cli")})
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    with running_registry(folders["a"], env_of("a")) as host_a, \
            running_registry(folders["b"], env_of("b")) as host_b, \
            httpx.Client(base_url=host_a) as staff, httpx.Client(base_url=host_b) as b:
        # An accession through host A, accepted by the secretariat with the CLI.
        submitted = httpx.post(f"{host_a}/api/v1/accessions", json=FORM)
        assert submitted.status_code == 201, submitted.text
        cli("outbox", "send")
        [mail] = (folders["cli"] / "var" / "outbox").glob("*.eml")
        message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        token = re.search(r"/accede/confirm/(\S+)", message.get_body(("plain",)).get_content())[1]
        # The link in a mail from one host works on the other (one base URL, one key).
        assert httpx.post(f"{host_b}/api/v1/accessions/confirm",
                          json={"token": token}).is_success
        signatory = re.search(r"signatory (\S+)\.",
                              cli("accessions", "approve", submitted.json()["id"]))[1]

        # Host B serves the badge, its page and the list, and keeps them in its cache.
        badge_id = re.search(r"/badges/([\w-]+)\.svg", b.get(f"/register/{signatory}").text)[1]
        index = b.get(f"/api/v1/badges/{badge_id}").json()["status_list_entries"]["suspension"]

        def suspended_in_list() -> bool:
            body = b.get("/status/suspension").text.split(".")[1]
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            bits = bitstring.decode(payload["credentialSubject"]["encodedList"])
            return bitstring.is_set(bits, index)

        checks = {
            "badge image": lambda: "SUSPENDED" in b.get(f"/badges/{badge_id}.svg").text,
            "verification page": lambda: "Suspended: the status list says so." in b.get(
                f"/verify/{badge_id}").text,
            "status list": suspended_in_list,
        }
        for _ in range(2):
            assert not any(check() for check in checks.values())
            assert "Valid: every check holds." in b.get(f"/verify/{badge_id}").text

        # Suspended, as a final decision of the ethics panel does, from another process.
        subprocess.run([sys.executable, "-m", "tests.serving.suspend", signatory, "2099-01-01"],
                       cwd=folders["cli"], check=True, env={
                           **os.environ, **env_of("cli"), "PYTHONPATH": str(REPO)})
        assert set(_first_time(checks, WITHIN)) == set(checks)

        # A panel member enrols and logs in through host A, and ends the suspension.
        link = re.search(r"https?://\S+/staff/enrol/\S+", cli(
            "staff", "create", "--email", "panel@example.org", "--name", "Panel Member",
            "--role", "panel_member"))[0].removeprefix(BASE_URL)
        page = staff.get(link).text
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)[1]
        enrolled = staff.post(link, data={"_csrf_token": _csrf(page), "password": PASSWORD,
                                          "password_again": PASSWORD,
                                          "code": pyotp.TOTP(secret).now()})
        assert enrolled.status_code == 200, enrolled.text
        page = staff.get("/staff/login").text
        assert staff.post("/staff/login", data={
            "_csrf_token": _csrf(page), "email": "panel@example.org",
            "password": PASSWORD}).status_code == 303
        page = staff.get("/staff/login/code").text
        assert staff.post("/staff/login/code", data={
            "_csrf_token": _csrf(page),
            "code": pyotp.TOTP(secret).at(time.time() + 30)}).status_code == 303
        page = staff.get(f"/staff/signatories/{signatory}").text
        done = staff.post(f"/staff/signatories/{signatory}/reinstate", data={
            "_csrf_token": _csrf(page), "decision": "P-2026-7"})
        assert done.status_code == 303, done.text  # committed

        lifted = {name: (lambda check=check: not check()) for name, check in checks.items()}
        seen = _first_time(lifted, WITHIN)
        print("host B after the reinstatement through host A: " + ", ".join(
            f"{name} {seconds * 1000:.0f} ms" for name, seconds in seen.items()))
        assert set(seen) == set(checks), f"never seen on host B: {set(checks) - set(seen)}"
        assert max(seen.values()) < WITHIN, seen
        assert "Valid: every check holds." in b.get(f"/verify/{badge_id}").text
