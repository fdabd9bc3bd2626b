"""`registry serve --workers 2`: two worker processes share the port and both answer, the
scheduler's jobs run once across them (every mail leaves once), and a parent killed with
`kill -9` leaves no worker holding the port. What the test looks at is what an operator
sees in /proc: the processes, their sockets, the connections each one holds."""

from __future__ import annotations

import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.accessions.test_submission import FORM
from tests.serving.server import query, served_database, start_registry, stop

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(),
                                reason="reads the processes' sockets from Linux's /proc")


def _state_and_parent(pid: int) -> tuple[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)", which may hold spaces
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    found = _state_and_parent(pid)
    return found is not None and found[0] not in ("Z", "X")  # a zombie holds nothing


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        found = _state_and_parent(int(entry.name)) if entry.name.isdigit() else None
        if found is not None and found[1] == pid and found[0] not in ("Z", "X"):
            kids.append(int(entry.name))
    return kids


def _tcp(state: str, port: int, remote_port: int | None = None) -> set[str]:
    """Inodes of the sockets in `state` (0A listening, 01 established) on local `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if fields[3] == state and int(local.rsplit(":", 1)[1], 16) == port and (
                    remote_port is None or int(remote.rsplit(":", 1)[1], 16) == remote_port):
                inodes.add(fields[9])
    return inodes


def _sockets(pid: int) -> set[str]:
    held = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return held
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(target[len("socket:["):-1])
    return held


def _workers(parent: int, port: int, count: int, within: float = 30) -> list[int]:
    """The parent's children that hold its listening socket, once there are `count`."""
    deadline = time.monotonic() + within
    while True:
        listening = _tcp("0A", port)
        workers = [pid for pid in _children(parent) if _sockets(pid) & listening]
        if len(workers) == count or time.monotonic() > deadline:
            return workers
        time.sleep(0.1)


def _started(log: Path, count: int, within: float = 30) -> bool:
    """Whether `count` workers said they finished starting (uvicorn says it once each)."""
    deadline = time.monotonic() + within
    while log.read_text().count("Application startup complete.") < count:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _answered_by(port: int, batch: int, workers: list[int]) -> dict[int, int]:
    """Open `batch` connections at once, ask /healthz on each, and count, per worker,
    the connections it answered 200 on (found by the socket of the connection it holds)."""
    connections: list[socket.socket] = []
    counts: dict[int, int] = {}
    try:
        for _ in range(batch):  # each asks at once, keeping its worker busy meanwhile
            connections.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            connections[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for connection in connections:
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = connection.recv(4096)
                assert chunk, "the connection closed before an answer"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            # Still open (keep-alive): the worker that answered holds its end.
            client_port = connection.getsockname()[1]
            served = _tcp("01", port, remote_port=client_port)
            holders = [pid for pid in workers if _sockets(pid) & served]
            assert len(holders) == 1, (client_port, holders)
            counts[holders[0]] = counts.get(holders[0], 0) + 1
    finally:
        for connection in connections:
            connection.close()
    return counts


def test_two_workers_share_the_port_and_both_answer(tmp_path, data_dir, database_url):
    env, _ = served_database(tmp_path, data_dir, database_url)
    process, base = start_registry(tmp_path, env, args=("--workers", "2"))
    port = int(base.rsplit(":", 1)[1])
    try:
        workers = _workers(process.pid, port, 2)
        assert len(workers) == 2, f"workers holding the port: {workers}"
        assert process.pid not in workers
        assert _started(tmp_path / "serve.log", 2)
        answered: dict[int, int] = {}
        deadline = time.monotonic() + 30
        while len(answered) < 2 and time.monotonic() < deadline:
            for pid, count in _answered_by(port, 8, workers).items():
                answered[pid] = answered.get(pid, 0) + count
        print(f"connections answered per worker: {answered}")
        assert set(answered) == set(workers), f"only {answered} answered"
        assert _workers(process.pid, port, 2) == workers, "a worker was replaced meanwhile"
        assert " died" not in (tmp_path / "serve.log").read_text()
    finally:
        stop(process)


def test_the_outbox_job_runs_once_across_two_workers(tmp_path, data_dir, database_url,
                                                     smtp_server):
    """Both workers run the scheduler; each period's run and each message is taken by one
    of them in the database, so every confirmation mail leaves exactly once."""
    server = smtp_server()
    env, url = served_database(tmp_path, data_dir, database_url)
    env.update({"REGISTRY_SMTP_URL": server.url(), "REGISTRY_OUTBOX_POLL_SECONDS": "0.2",
                # Every application below comes from 127.0.0.1 within the hour: more than
                # one client's share of public actions (tests/accessions/test_no_relay.py
                # tests that limit).
                "REGISTRY_PUBLIC_ACTIONS_PER_CLIENT_PER_HOUR": "100000"})
    process, base = start_registry(tmp_path, env, args=("--workers", "2"))
    try:
        assert len(_workers(process.pid, int(base.rsplit(":", 1)[1]), 2)) == 2
        addresses = [f"applicant{n}@workers.example" for n in range(24)]

        def submit(address: str) -> int:
            return httpx.post(f"{base}/api/v1/accessions", timeout=30, json={
                **FORM, "contact_email": address,
                "public_name": f"Initiative {address.split('@')[0]}"}).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(submit, addresses)) == [201] * len(addresses)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and query(
                url, "SELECT count(*) FROM mail_outbox WHERE status <> 'sent'")[0][0]:
            time.sleep(0.2)
        assert query(url, "SELECT count(*) FROM mail_outbox WHERE status <> 'sent'") == [(0,)]
        sent = query(url, "SELECT count(*) FROM mail_outbox")[0][0]
        assert sent == len(addresses)
        # Each sent message is marked once it is accepted: the server has every one, once.
        deadline = time.monotonic() + 5
        while len(server.messages()) < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        messages = server.messages()
        assert sorted(message["To"] for message in messages) == sorted(addresses)
        assert len({message["Message-ID"] for message in messages}) == len(addresses)
    finally:
        stop(process)


def test_a_killed_parent_leaves_no_worker_holding_the_port(tmp_path, data_dir, database_url):
    env, _ = served_database(tmp_path, data_dir, database_url)
    process, base = start_registry(tmp_path, env, args=("--workers", "2"))
    port = int(base.rsplit(":", 1)[1])
    try:
        workers = _workers(process.pid, port, 2)
        assert len(workers) == 2, f"workers holding the port: {workers}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "orphaned workers live on"
        assert not _tcp("0A", port), "something still listens on the port"
        with socket.socket() as again:  # as uvicorn binds it
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()
    finally:
        if process.poll() is None:
            stop(process)
        for pid in workers if "workers" in locals() else []:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()

