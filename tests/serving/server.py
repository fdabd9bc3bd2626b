"""Start `registry serve` as the operator would: a real process, a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_registry(cwd: Path, env: dict[str, str], timeout: float = 60,
                     port: int | None = None) -> Iterator[str]:
    """Run `registry serve` in `cwd` with exactly `env` (plus PATH); yield its base URL."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).with_name("registry")), "serve", "--port", str(port)]
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    log = cwd / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"registry serve exited:\n{log.read_text()}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"registry serve never became ready:\n{log.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
