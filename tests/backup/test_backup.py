"""`registry backup` and `registry restore`, as an operator runs them (real subprocesses,
real databases on both engines): a round trip into a fresh data directory and an empty
database gives the same rows in every table, the same pages and API answers, and
receipts and badges that still verify; a backup taken while `registry serve` writes is
one consistent snapshot; a killed backup leaves nothing that looks complete; a wrong
passphrase, a damaged or cut file, a full database and key files in place are refused
in one line."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import signal
import threading
from pathlib import Path

import httpx
import pytest
from joserfc import jws as independent_jws
from joserfc.jwk import KeySet
from pyrage import x25519

from registry.accessions.tables import Accession
from registry.badges.tables import Badge
from registry.cases.tables import Case
from registry.keys.sealed import unseal
from tests.accessions.test_lifecycle import accepted
from tests.backup.helpers import (
    PASSPHRASE,
    create_database,
    drop_database,
    every_row,
    killed_once_writing,
    registry,
)
from tests.cases.test_filing import ACCOUNT
from tests.serving.server import running_registry

COMPLAINT = {"kind": "complaint", "respondent": "", "principles": [11], "account": ACCOUNT,
             "anonymous": True}


@pytest.fixture
async def target(settings, is_postgres, tmp_path):
    """An empty database of the test's engine to restore into, and its own data dir."""
    if is_postgres:
        url = await create_database(settings.database_url)
        yield tmp_path / "restored", url
        await drop_database(settings.database_url, url)
    else:
        yield tmp_path / "restored", f"sqlite:///{tmp_path / 'restored' / 'registry.sqlite3'}"


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("REGISTRY_BACKUP_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


def backup_path(result) -> Path:
    assert result.code == 0, result.output
    return Path(result.out.strip().splitlines()[-1])


def restore(file: Path, target: tuple[Path, str], *args: str, **env: str):
    data_dir, url = target
    return registry("restore", str(file), *args, data_dir=data_dir, database_url=url, **env)


async def some_history(client, synced) -> dict:
    """An accession approved (with its receipt and badge) and a case filed against it."""
    signatory = await accepted(client, synced)
    filed = await client.post("/api/v1/complaints", json={**COMPLAINT,
                                                          "respondent": signatory})
    assert filed.status_code == 201, filed.text
    row = await Accession.select(Accession.public_id, Accession.receipt).where(
        Accession.signatory.public_id == signatory).first()
    badge = await Badge.select(Badge.badge_id).where(
        Badge.signatory.public_id == signatory).first()
    return {"signatory": signatory, "badge": badge["badge_id"],
            "accession": row["public_id"],
            "receipt": unseal(Accession.receipt, row["receipt"]),
            "case": {"reference": filed.json()["reference"],
                     "receipt_code": filed.json()["receipt_code"]}}


def _without_tokens(page: str) -> str:
    return re.sub(r'name="_csrf_token" value="[^"]*"', "", page)


def answers(base: str, history: dict) -> dict:
    """What the public sees of that history, from a running service."""
    badge = httpx.get(f"{base}/api/v1/badges/{history['badge']}").json()
    verified = httpx.post(f"{base}/api/v1/verify", json={"credential": badge["credential"]})
    follow_up = httpx.post(f"{base}/api/v1/complaints/follow-up", json=history["case"])
    assert follow_up.status_code == 200, follow_up.text
    return {
        "register": _without_tokens(httpx.get(f"{base}/register").text),
        "entry": _without_tokens(httpx.get(f"{base}/register/{history['signatory']}").text),
        "signatory": httpx.get(f"{base}/api/v1/signatories/{history['signatory']}").json(),
        "badge": badge,
        "svg": httpx.get(f"{base}/badges/{history['badge']}.svg").content,
        "jwks": httpx.get(f"{base}/.well-known/jwks.json").json(),
        "verified": {key: value for key, value in verified.json().items()
                     if key in ("valid", "status", "checks")},
        "case": follow_up.json(),
    }


def serving(folder: Path, data_dir: Path, url: str):
    folder.mkdir(exist_ok=True)
    return running_registry(folder, env={"REGISTRY_DATA_DIR": str(data_dir),
                                         "REGISTRY_DATABASE_URL": url,
                                         "REGISTRY_OUTBOX_POLL_SECONDS": "3600"})


async def test_a_round_trip_gives_the_same_tables_pages_and_verifiable_signatures(
        client, synced, run_cli, passphrase, target, tmp_path):
    history = await some_history(client, synced)
    result = run_cli("backup", "--out", str(tmp_path / "backups"), "--with-keys")
    file = backup_path(result)
    assert file.name.startswith("registry-backup-") and file.name.endswith(".tar.age")
    assert file.stat().st_mode & 0o777 == 0o600
    assert file.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert ACCOUNT.encode() not in file.read_bytes()
    assert os.listdir(file.parent) == [file.name]  # nothing left beside it

    restored = restore(file, target)
    assert restored.code == 0, restored.output
    assert "Key files: 4 written" in restored.out, restored.output
    data_dir, url = target
    original, copy = await every_row(synced.database_url), await every_row(url)
    assert copy == original
    assert copy["accession"] and copy["badge"] and copy["case_file"] and copy["audit_event"]
    for key in ("data-keys.json", "secret.key"):
        path = data_dir / "keys" / key
        assert path.read_bytes() == (synced.data_dir / "keys" / key).read_bytes()
        assert path.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "keys" / "signing").stat().st_mode & 0o777 == 0o700

    with serving(tmp_path / "a", synced.data_dir, synced.database_url) as base:
        before = answers(base, history)
    with serving(tmp_path / "b", data_dir, url) as base:
        after = answers(base, history)
    assert after == before
    assert after["verified"]["valid"] is True and after["verified"]["status"] == "active"
    assert history["signatory"] in after["register"]
    # The receipt verifies with the restored service's published keys alone.
    header = json.loads(base64.urlsafe_b64decode(history["receipt"].split(".")[0] + "=="))
    key = KeySet.import_key_set(after["jwks"]).get_by_kid(header["kid"])
    payload = json.loads(independent_jws.deserialize_compact(
        history["receipt"], key, algorithms=["ES256"]).payload)
    assert payload["accession"] == history["accession"]


async def test_a_backup_while_the_service_writes_is_one_consistent_snapshot(
        client, synced, run_cli, passphrase, target, tmp_path):
    signatory = await accepted(client, synced)
    before = await Case.count()
    stop, writing, filed = threading.Event(), threading.Event(), []

    def keep_filing(base: str) -> None:
        while not stop.is_set():
            answer = httpx.post(f"{base}/api/v1/complaints", timeout=30,
                                json={**COMPLAINT, "respondent": signatory})
            if answer.status_code == 201:
                filed.append(answer.json()["reference"])
            if len(filed) >= 2:
                writing.set()

    with serving(tmp_path / "a", synced.data_dir, synced.database_url) as base:
        writer = threading.Thread(target=keep_filing, args=(base,))
        writer.start()
        try:
            await asyncio.to_thread(writing.wait, 60)
            during = len(filed)
            file = backup_path(run_cli("backup", "--out", str(tmp_path / "b"),
                                       "--with-keys"))
            assert len(filed) > during  # the service was writing meanwhile
        finally:
            stop.set()
            writer.join()
    assert len(filed) >= 2

    restored = restore(file, target)  # refuses if the rows differ from the manifest
    assert restored.code == 0, restored.output
    original, copy = await every_row(synced.database_url), await every_row(target[1])
    assert before <= len(copy["case_file"]) <= before + len(filed)
    kept = set(original["case_file"])
    assert all(row in kept for row in copy["case_file"])
    # Each case restored has the audit event of its filing, and nothing of one not there.
    events = [row for row in copy["audit_event"] if "case:" in repr(row)]
    assert len(events) >= len(copy["case_file"]) - before


async def test_a_killed_backup_leaves_nothing_that_looks_complete(
        synced, passphrase, target, tmp_path):
    out = tmp_path / "backups"
    code = killed_once_writing(out, data_dir=synced.data_dir,
                               database_url=synced.database_url)
    assert code == -signal.SIGKILL  # killed, not finished
    [left] = os.listdir(out)
    assert left.startswith(".registry-backup-") and left.endswith(".partial")

    refused = restore(out / left, target)
    assert refused.code == 1
    assert refused.err.strip() == (f"Error: {left} is an unfinished backup (a .partial "
                                   f"file: the backup was interrupted); restore a complete "
                                   f"one")
    looks_complete = out / "registry-backup-renamed.tar.age"
    shutil.copy(out / left, looks_complete)
    refused = restore(looks_complete, target)
    assert refused.code == 1 and "is truncated" in refused.err, refused.output


async def test_a_cut_or_damaged_file_and_a_wrong_passphrase_are_refused_in_one_line(
        client, synced, run_cli, passphrase, target, tmp_path):
    await accepted(client, synced)
    file = backup_path(run_cli("backup", "--out", str(tmp_path / "b")))
    data = file.read_bytes()

    wrong = restore(file, target, REGISTRY_BACKUP_PASSPHRASE="not the passphrase at all")
    assert wrong.code == 1
    assert wrong.err.strip() == (f"Error: wrong passphrase for {file.name} (or its header "
                                 f"is damaged)")
    cut = tmp_path / "cut.tar.age"
    for length in (len(data) // 2, len(data) - 1, 40):
        cut.write_bytes(data[:length])
        refused = restore(cut, target)
        assert refused.code == 1 and "cut.tar.age is truncated" in refused.err, refused.err
        assert len(refused.err.strip().splitlines()) == 1
    damaged = tmp_path / "damaged.tar.age"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(flipped))
    refused = restore(damaged, target)
    assert refused.code == 1 and refused.err.startswith("Error: damaged.tar.age is damaged")
    assert len(refused.err.strip().splitlines()) == 1
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert "not a registry backup" in restore(other, target).err
    # Nothing was written by any of them: the target is still empty, restore works.
    restored = restore(file, target)
    assert restored.code == 0, restored.output
    assert "Key files: none in this backup." in restored.out
    assert "warning: key files missing" in restored.err  # the database needs them


async def test_restore_refuses_a_full_database_and_never_overwrites_key_files(
        client, synced, run_cli, passphrase, target, tmp_path):
    await accepted(client, synced)
    file = backup_path(run_cli("backup", "--out", str(tmp_path / "b"), "--with-keys"))
    # Into the database it came from: not empty.
    full = run_cli("restore", str(file))
    assert full.code == 1 and "is not empty" in full.err and "restore only into a new" in \
        full.err, full.output
    # A key file in place that differs stops it before anything is written.
    data_dir = target[0]
    (data_dir / "keys").mkdir(parents=True)
    (data_dir / "keys" / "secret.key").write_text("another secret\n")
    (data_dir / "keys" / "secret.key").chmod(0o600)
    clash = restore(file, target)
    assert clash.code == 1 and "never overwritten" in clash.err, clash.output
    assert (data_dir / "keys" / "secret.key").read_text() == "another secret\n"
    assert not (data_dir / "keys" / "data-keys.json").exists()
    # Nothing was written: with that key file moved away, the same restore goes through.
    (data_dir / "keys" / "secret.key").unlink()
    restored = restore(file, target)
    assert restored.code == 0 and "Key files: 4 written" in restored.out, restored.output


async def test_keys_apart_and_an_age_recipient(client, synced, run_cli, passphrase, target,
                                               tmp_path):
    await accepted(client, synced)
    identity = x25519.Identity.generate()
    identity_file = tmp_path / "backup-identity.txt"
    identity_file.write_text(f"# made for the test\n{identity}\n")
    database = backup_path(run_cli("backup", "--out", str(tmp_path / "db"),
                                   "--recipient", str(identity.to_public())))
    keys = backup_path(run_cli("backup", "--out", str(tmp_path / "keys"), "--keys-only"))
    assert b"-> X25519 " in database.read_bytes()[:200]

    asks = restore(database, target)
    assert asks.code == 1 and "give the identity file with --identity" in asks.err
    checked = restore(database, target, "--check", "--identity", str(identity_file))
    assert checked.code == 0 and "is a complete backup" in checked.out, checked.output
    assert "without key files" in checked.out
    assert restore(keys, target).out.startswith("Key files: 4 written")
    restored = restore(database, target, "--identity", str(identity_file))
    assert restored.code == 0 and "warning" not in restored.err, restored.output
    assert await every_row(target[1]) == await every_row(synced.database_url)
    strange = tmp_path / "other-identity.txt"
    strange.write_text(f"{x25519.Identity.generate()}\n")
    refused = restore(database, target, "--check", "--identity", str(strange))
    assert "none of the given identities opens" in refused.err


async def test_a_backup_is_always_encrypted(synced, run_cli, monkeypatch, tmp_path):
    monkeypatch.delenv("REGISTRY_BACKUP_PASSPHRASE", raising=False)
    refused = run_cli("backup", "--out", str(tmp_path / "b"))
    assert refused.code == 1 and "no passphrase" in refused.err, refused.output
    monkeypatch.setenv("REGISTRY_BACKUP_PASSPHRASE", "short")
    refused = run_cli("backup", "--out", str(tmp_path / "b"))
    assert "at least 12 characters" in refused.err
    refused = run_cli("backup", "--out", str(tmp_path / "b"), "--recipient", "age1nonsense")
    assert refused.code == 1 and "is not an age recipient" in refused.err
    assert not (tmp_path / "b").exists() or os.listdir(tmp_path / "b") == []
