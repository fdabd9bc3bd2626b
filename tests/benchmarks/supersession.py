"""Benchmark: a new version in force over many signatories (issue 12, point 10).

Seeds a fresh database with `--signatories` active accessions to version 1.0 (each with
its badge unless `--no-badges`), brings version 1.1 into force as `serve` does at
start-up, then runs the supersession job as the scheduler would until none is left:

    python -m tests.benchmarks.supersession --signatories 10000        # SQLite, temp dir
    python -m tests.benchmarks.supersession --database-url postgresql://.../bench_db

Prints how long the sync took (the version alone: nothing is superseded in it), how
long the job took in all, and the longest write transaction of one batch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from registry import db, runtime
from registry.accessions import lifecycle
from registry.accessions.tables import Signatory
from registry.audit.services import SYSTEM
from registry.badges import services as badges
from registry.principles import services as principles
from registry.resources import bundled_dir
from registry.settings import Settings
from tests.accessions.test_lifecycle import add_version
from tests.accessions.test_supersession_background import seed


async def run(settings: Settings, count: int, with_badges: bool) -> None:
    runtime.configure(settings)
    await db.migrate()
    copy = Path(tempfile.mkdtemp(prefix="registry-principles-"))
    shutil.copytree(bundled_dir("principles"), copy / "principles")
    await principles.sync(copy / "principles", actor=SYSTEM)
    began = time.perf_counter()
    ids = await seed(count)
    if with_badges:
        for row in await Signatory.select(Signatory._meta.primary_key):
            async with db.write_transaction():
                await badges.refresh(row["id"], settings=settings)
    print(f"seeded {len(ids)} signatories{' with badges' if with_badges else ''} "
          f"in {time.perf_counter() - began:.1f} s")

    add_version(copy / "principles")
    began = time.perf_counter()
    report = await principles.sync(copy / "principles", actor=SYSTEM)
    print(f"sync of version 1.1: {time.perf_counter() - began:.2f} s ({report.lines})")

    began, longest, batches, reached = time.perf_counter(), 0.0, 0, 0
    while True:
        started = time.perf_counter()
        done = len((await lifecycle.supersede_batch(settings)).done)
        longest = max(longest, time.perf_counter() - started)
        if not done:
            break
        batches += 1
        reached += done
    total = time.perf_counter() - began
    left = await Signatory.count().where(Signatory.status == "active")
    print(f"job: {reached} superseded in {batches} batches of at most {lifecycle.BATCH}, "
          f"{total:.1f} s in all ({1000 * total / max(reached, 1):.1f} ms each); longest "
          f"batch transaction {longest:.2f} s; active left: {left}")
    shutil.rmtree(copy, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--signatories", type=int, default=10_000)
    parser.add_argument("--no-badges", action="store_true")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="registry-supersession-bench-"))
    os.environ["REGISTRY_DATA_DIR"] = str(data_dir)
    if args.database_url:
        os.environ["REGISTRY_DATABASE_URL"] = args.database_url
    try:
        asyncio.run(run(Settings(), args.signatories, not args.no_badges))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
