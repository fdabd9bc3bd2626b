"""The crash test: `kill -9` of `registry serve` during a stream of accessions. Every
accession the client was told was accepted (HTTP 201) is there after a restart on the
same data, and its confirmation mail reaches a real SMTP server once: one message per
accession, never a second one. CI runs it on both engines (the suite runs once on SQLite
and once on PostgreSQL)."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections import defaultdict

import httpx

from tests.accessions.test_submission import FORM
from tests.serving.server import free_port, query, served_database, start_registry, stop

STREAMS = 4  # clients submitting at once, so that several requests are under way at the kill
PER_STREAM = 40
KILL_AFTER = 40  # acknowledged accessions before the kill
DRAINED_WITHIN = 70.0  # a message the killed process had taken waits out its 45 s lease


def _address(stream: int, n: int) -> str:
    return f"applicant-{stream}-{n}@crash.example"


def test_kill_9_during_a_stream_of_accessions(tmp_path, data_dir, database_url, smtp_server):
    smtp = smtp_server()
    env, url = served_database(tmp_path, data_dir, database_url)
    env.update({"REGISTRY_SMTP_URL": smtp.url(), "REGISTRY_OUTBOX_POLL_SECONDS": "0.2",
                # Every application comes from 127.0.0.1 within the hour: more than one
                # client's share of public actions (tests/accessions/test_no_relay.py
                # tests that limit). Each has an address of its own, as the limit of
                # mails per address asks.
                "REGISTRY_PUBLIC_ACTIONS_PER_CLIENT_PER_HOUR": "100000"})
    port = free_port()
    process, base = start_registry(tmp_path, env, port=port)

    acknowledged: dict[str, str] = {}  # accession id -> its contact address
    other_answers: list[str] = []
    killed = threading.Event()
    lock = threading.Lock()

    def stream(number: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(PER_STREAM):
                address = _address(number, n)
                try:
                    answer = client.post("/api/v1/accessions", json={
                        **FORM, "contact_email": address,
                        "public_name": f"Initiative {number}-{n}",
                        "signature_name": FORM["representative_name"]})
                except httpx.TransportError:
                    if killed.is_set():
                        return  # no answer: never acknowledged
                    raise
                with lock:
                    if answer.status_code == 201:
                        acknowledged[answer.json()["id"]] = address
                    else:
                        other_answers.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=stream, args=(n,)) for n in range(STREAMS)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            if not any(thread.is_alive() for thread in threads):
                break
            time.sleep(0.005)
        assert len(acknowledged) >= KILL_AFTER, (len(acknowledged), other_answers)
        killed.set()
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: no shutdown of any kind
        process.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=30)
        assert not other_answers, other_answers
        sent_before = len(smtp.messages())
        print(f"acknowledged before the kill: {len(acknowledged)} of "
              f"{STREAMS * PER_STREAM}; mails out by then: {sent_before}")
        assert len(acknowledged) < STREAMS * PER_STREAM, "the kill came after the stream"

        # Restarted on the same data directory and database.
        process, base = start_registry(tmp_path, env, port=port, log_name="serve-again.log")
        stored = {row[0] for row in query(url, "SELECT public_id FROM accession")}
        lost = set(acknowledged) - stored
        assert not lost, f"{len(lost)} acknowledged accessions lost: {sorted(lost)[:5]}"

        # The outbox drains: nothing left to send, a mail for every accession stored.
        began = time.monotonic()
        while time.monotonic() - began < DRAINED_WITHIN:
            if not query(url, "SELECT count(*) FROM mail_outbox WHERE status = 'pending'")[0][0] \
                    and len(smtp.messages()) >= len(stored):
                break
            time.sleep(0.2)
        print(f"outbox drained {time.monotonic() - began:.1f} s after the restart")
        assert query(url, "SELECT status, count(*) FROM mail_outbox GROUP BY status") == [
            ("sent", len(stored))]

        by_address: dict[str, list[str]] = defaultdict(list)
        for message in smtp.messages():
            by_address[str(message["To"])].append(str(message["Message-ID"]))
        assert set(by_address) <= {_address(s, n) for s in range(STREAMS)
                                   for n in range(PER_STREAM)}
        assert len(by_address) == len(stored), "a mail for each accession stored, no other"
        for address in acknowledged.values():
            assert address in by_address, f"no mail to {address}"
        # One message per accession. Only the one being sent at the kill may reach the
        # server again, as the same message (its Message-ID): accepted by the server, not
        # yet marked sent (delivery is at least once; see the README's *Mail*).
        two_messages = {a: ids for a, ids in by_address.items() if len(set(ids)) > 1}
        assert not two_messages, f"two different mails to one applicant: {two_messages}"
        repeated = {a: ids for a, ids in by_address.items() if len(ids) > 1}
        print(f"the same message again (the one in flight at the kill): {len(repeated)}")
        assert len(repeated) <= 1, f"mailed more than once: {repeated}"

        # Each mail is the one for its accession: its link confirms it, on the restarted
        # server (the ones acknowledged before the kill among them).
        # Once each: the message allowed to arrive twice carries the same link.
        confirmed_for: set[str] = set()
        with httpx.Client(base_url=base, timeout=30) as client:
            for message in smtp.messages():
                address = str(message["To"])
                if address not in acknowledged.values() or address in confirmed_for:
                    continue
                confirmed_for.add(address)
                text = message.get_body(("plain",)).get_content()
                token = re.search(r"/accede/confirm/(\S+)", text)[1]
                confirmed = client.post("/api/v1/accessions/confirm", json={"token": token})
                assert confirmed.is_success, confirmed.text
        assert confirmed_for == set(acknowledged.values())
    finally:
        killed.set()
        for thread in threads:
            thread.join(timeout=30)
        if process.poll() is None:
            stop(process)
