"""A client that hangs up in the middle of sending its body is no error of ours: nothing
is logged as an error (no trace), and the server goes on answering."""

import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.serving.server import running_registry, served_database

UPLOADS = [
    # The JSON API (the body is read before the route's rules).
    ("/api/v1/accessions", "application/json", b'{"kind": "organisation", "public_name": "'),
    # A complaint with evidence through the API: a large body, base64 in JSON.
    ("/api/v1/complaints", "application/json", b'{"evidence": [{"content_base64": "'),
    # The page's multipart upload (the CSRF check reads the form first).
    ("/complaints/new", "multipart/form-data; boundary=xyz",
     b'--xyz\r\nContent-Disposition: form-data; name="evidence"; filename="a.pdf"\r\n\r\n'),
]


def _hang_up_midway(base: str, path: str, content_type: str, start: bytes) -> None:
    """Announce a body of 200 kB, send a part of it, and close the connection."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                     f"Content-Type: {content_type}\r\nContent-Length: 200000\r\n"
                     "\r\n".encode() + start + b"A" * 30000)
        time.sleep(0.3)  # the server is reading the body now


def test_a_client_hanging_up_mid_upload_is_not_logged_as_an_error(
        tmp_path: Path, data_dir: Path, database_url: str):
    env, _url = served_database(tmp_path, data_dir, database_url)
    with running_registry(tmp_path, env=env) as base:
        for path, content_type, start in UPLOADS:
            _hang_up_midway(base, path, content_type, start)
        log_file = tmp_path / "serve.log"
        deadline = time.monotonic() + 30  # until the server has seen each connection end
        while (len(re.findall(r"the client hung up during POST", log_file.read_text()))
               < len(UPLOADS) and time.monotonic() < deadline):
            time.sleep(0.1)
        assert httpx.get(f"{base}/api/v1/principles", timeout=5).status_code == 200
        answer = httpx.post(f"{base}/api/v1/accessions/statement", json={}, timeout=5)
        assert answer.status_code == 400  # and still reads whole bodies
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log, log[-5000:]
    assert not re.search(r"(?m)^ERROR\b", log), log[-5000:]
    said = re.findall(r"the client hung up during POST (\S+)", log)
    assert sorted(said) == sorted(path for path, _type, _start in UPLOADS), log[-3000:]
