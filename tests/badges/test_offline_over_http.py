"""`registry verify` against a running registry: keys and status lists fetched over
HTTP from the issuer's own addresses, as a third party would."""

import email
import email.policy
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from registry.changes.counters import POLL_SECONDS
from tests.accessions.test_submission import FORM
from tests.conftest import REPO, empty_database_in_a_thread, keys_env
from tests.serving.server import free_port, running_registry

REGISTRY = str(Path(sys.executable).with_name("registry"))


def test_registry_verify_fetches_keys_and_lists_from_the_issuer(tmp_path, data_dir,
                                                                 database_url, is_postgres):
    if is_postgres:  # the server shares the test database there: start it clean
        empty_database_in_a_thread(data_dir, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"REGISTRY_BASE_URL": base,
           **({"REGISTRY_DATABASE_URL": database_url, **keys_env(data_dir)} if is_postgres
              else {})}

    def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([REGISTRY, *args], cwd=tmp_path, env={**os.environ, **env},
                              capture_output=True, text=True, check=check)

    with running_registry(tmp_path, env=env, port=port):
        submitted = httpx.post(f"{base}/api/v1/accessions", json=FORM)
        assert submitted.status_code == 201, submitted.text
        cli("outbox", "send")
        [mail] = (tmp_path / "var" / "outbox").glob("*.eml")
        message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        token = re.search(r"/accede/confirm/(\S+)", message.get_body(("plain",)).get_content())[1]
        assert httpx.post(f"{base}/api/v1/accessions/confirm", json={"token": token}).is_success
        signatory = re.search(r"signatory (\S+)\.",
                              cli("accessions", "approve", submitted.json()["id"]).stdout)[1]
        badge_id = re.search(r"/badges/([\w-]+)\.svg",
                             httpx.get(f"{base}/register/{signatory}").text)[1]
        credential = httpx.get(f"{base}/api/v1/badges/{badge_id}").json()["credential"]

        good = cli("verify", credential, check=False)  # everything from REGISTRY_BASE_URL
        assert good.returncode == 0, good.stdout + good.stderr
        assert good.stdout.strip().endswith("VALID")
        also = cli("verify", "-", "--jwks", f"{base}/.well-known/jwks.json",
                   "--status-list", f"{base}/status/suspension", check=False)
        assert also.returncode == 1 and "not a credential" in also.stdout  # stdin was empty

        suspend = [sys.executable, "-m", "tests.serving.suspend", signatory, "2099-01-01"]
        subprocess.run(suspend, cwd=tmp_path, check=True,
                       env={**os.environ, **env, "PYTHONPATH": str(REPO)})
        # Another process's change: heard at once on PostgreSQL, within the poll on SQLite.
        time.sleep(POLL_SECONDS + 0.2)
        bad = cli("verify", credential, check=False)
        assert bad.returncode == 1
        assert "FAIL suspension: Suspended: the status list says so." in bad.stdout
        # Another issuer's word is not taken: its keys would have to come from it.
        other = cli("verify", credential, "--issuer", "http://127.0.0.1:9", check=False)
        assert other.returncode != 0 and "cannot fetch the key set" in other.stderr
