"""Benchmark: the registry's public routes under load, against a truly bare route.

Seeds a fresh database with signatories and their badges, starts the registry as
`registry serve` does (uvicorn, one worker, no access log) and, beside it under the same
uvicorn settings, a bare Litestar app of its own (tests/benchmarks/bare_app.py: one
route returning a constant, no middleware). Drives each URL with wrk (Debian `wrk`):

    python -m tests.benchmarks.badges                          # SQLite in a temp dir
    python -m tests.benchmarks.badges --database-url postgresql://.../bench_db

Prints requests per second, p50 and p99 for the bare route (measured first and last),
/healthz, the SVG badge, a conditional SVG request (304), the verify API, a principles
page and a register search, each with its ratio to the bare route. Targets (issue 12):
/healthz and the 304 at least 90 %, the SVG 80 %, the verify API 50 %, the principles
page 50 %.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from registry import db, runtime
from registry.accessions.holders import LAPSE, persecution_mark, subject_of
from registry.accessions.tables import Signatory
from registry.audit.services import SYSTEM
from registry.badges import services as badges
from registry.badges.tables import Badge
from registry.deadlines import services as deadlines
from registry.keys.sealed import seal
from registry.principles import services as principles
from registry.settings import Settings


async def seed(settings: Settings, count: int) -> list[str]:
    runtime.configure(settings)
    await db.migrate()
    await principles.sync(settings.principles_dir, actor=SYSTEM)
    now = datetime.now(UTC)
    for n in range(count):
        name = f"Human Rights Centre {n}"
        async with db.write_transaction():
            rows = await Signatory.insert(Signatory(
                public_id=f"bench{n:06d}", kind="organisation", listing="public",
                status="active", version_id="1.0",
                name=seal(Signatory.name, name), register_name=name,
                persecution=persecution_mark(None), search_key=name.lower(),
                acceded_at=now, created_at=now))
            await deadlines.schedule(subject_of(f"bench{n:06d}"), LAPSE,
                                     now + timedelta(days=395), now=now,
                                     stated_at=now + timedelta(days=365))
            await badges.refresh(rows[0]["id"], settings=settings, now=now)
    return [row["badge_id"] for row in await Badge.select(Badge.badge_id)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wrk(url: str, *, seconds: int, connections: int, script: Path | None = None,
        headers: dict[str, str] | None = None) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx[1]} error responses\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50": ms("50"), "p99": ms("99")}


def _resident_mb(pid: int) -> float:
    """The resident memory of a process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--badges", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    data_dir = Path(tempfile.mkdtemp(prefix="registry-badge-bench-"))
    port, bare_port = free_port(), free_port()
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_PORT": str(port),
           "REGISTRY_BASE_URL": f"http://127.0.0.1:{port}"}
    if args.database_url:
        env["REGISTRY_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    settings = Settings()
    badge_ids = asyncio.run(seed(settings, args.badges))
    badge = badge_ids[len(badge_ids) // 2]

    # As `registry serve` runs it: uvicorn, one worker, no access log, no server header;
    # the bare app under exactly the same settings.
    def uvicorn(factory: str, on: int) -> subprocess.Popen:
        return subprocess.Popen([
            sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
            "--port", str(on), "--workers", "1", "--no-access-log", "--no-server-header",
            "--proxy-headers"], env=env)

    server = uvicorn("registry.app:create_app_from_environment", port)
    bare_server = uvicorn("tests.benchmarks.bare_app:create_bare_app", bare_port)
    base, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}/bare"
    try:
        for url in (f"{base}/readyz", bare_url):
            for _ in range(200):
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        svg = httpx.get(f"{base}/badges/{badge}.svg")
        etag = svg.headers["etag"]
        assert httpx.get(f"{base}/badges/{badge}.svg",
                         headers={"if-none-match": etag}).status_code == 304
        credential = httpx.get(f"{base}/api/v1/badges/{badge}").json()["credential"]
        body = json.dumps({"credential": credential})
        verified = httpx.post(f"{base}/api/v1/verify", content=body,
                              headers={"content-type": "application/json"}).json()
        assert verified["valid"], verified
        post = data_dir / "post.lua"
        post.write_text('wrk.method = "POST"\nwrk.body = ' + json.dumps(body)
                        + '\nwrk.headers["Content-Type"] = "application/json"\n')

        pages = {"healthz": f"{base}/healthz", "principles": f"{base}/principles/1.0",
                 "search": f"{base}/register?q=Centre+1"}
        for url in pages.values():
            assert httpx.get(url).status_code == 200, url

        # Warm up every URL (and let the start-up daily pass finish) before measuring.
        time.sleep(2)
        for url in (bare_url, f"{base}/badges/{badge}.svg", *pages.values()):
            wrk(url, seconds=2, connections=args.connections)
        wrk(f"{base}/api/v1/verify", seconds=2, connections=args.connections, script=post)
        bare_before = wrk(bare_url, seconds=args.seconds, connections=args.connections)
        runs = {
            "/healthz": wrk(pages["healthz"], seconds=args.seconds,
                            connections=args.connections),
            "SVG badge": wrk(f"{base}/badges/{badge}.svg", seconds=args.seconds,
                             connections=args.connections),
            "SVG badge, conditional (304)": wrk(
                f"{base}/badges/{badge}.svg", seconds=args.seconds,
                connections=args.connections, headers={"If-None-Match": etag}),
            "verify API (POST)": wrk(f"{base}/api/v1/verify", seconds=args.seconds,
                                     connections=args.connections, script=post),
            "/principles/1.0": wrk(pages["principles"], seconds=args.seconds,
                                   connections=args.connections),
            "register search": wrk(pages["search"], seconds=args.seconds,
                                   connections=args.connections),
        }
        bare_after = wrk(bare_url, seconds=args.seconds, connections=args.connections)
        # The worker's memory after every badge was drawn, in every language and format
        # (target: under 150 MB).
        with httpx.Client(base_url=base) as fetch:
            for badge_id in badge_ids:
                for kind in ("svg", "png"):
                    for language in ("en", "be", "ru"):
                        fetch.get(f"/badges/{badge_id}.{kind}", params={"lang": language})
        resident = _resident_mb(server.pid)
        # The bare route is measured first and last; the table shows the mean of both.
        runs = {"bare Litestar app (constant)": {
            key: (bare_before[key] + bare_after[key]) / 2 for key in bare_before}, **runs}
    finally:
        for process in (server, bare_server):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)

    bare = runs["bare Litestar app (constant)"]["rps"]
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{engine}, {args.badges} badges, wrk -t1 -c{args.connections} -d{args.seconds}s; "
          f"bare app {bare_before['rps']:.0f} req/s before, {bare_after['rps']:.0f} after")
    print(f"one worker's resident memory after drawing all {len(badge_ids)} badges in 3 "
          f"languages, SVG and PNG: {resident:.0f} MB")
    print("| request | req/s | p50 ms | p99 ms | of bare |")
    print("|---|---|---|---|---|")
    for label, run in runs.items():
        print(f"| {label} | {run['rps']:.0f} | {run['p50']:.2f} | {run['p99']:.2f} "
              f"| {run['rps'] / bare:.0%} |")


if __name__ == "__main__":
    main()
