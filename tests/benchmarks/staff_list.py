"""Benchmark: the staff list of signatories with 10,000 signatories, on SQLite or
PostgreSQL.

Seeds a fresh database with bulk inserts (each signatory with its accepted accession
and the deadline of its year, some marked persecuted), then times the first, a middle
and the last page as the staff see them, through the app in this process:

    python -m tests.benchmarks.staff_list                        # SQLite in a temp dir
    python -m tests.benchmarks.staff_list --database-url postgresql://.../bench_db

The PostgreSQL database must exist; it is emptied and migrated here. Prints p50, p95 and
p99 per page, in milliseconds, and the number of queries a page takes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from registry import db, runtime
from registry.accessions.holders import LAPSE, persecution_mark, subject_of
from registry.accessions.tables import Accession, Signatory
from registry.audit.services import SYSTEM
from registry.deadlines.tables import Deadline
from registry.keys.sealed import seal, seal_moment
from registry.principles import services as principles
from registry.principles.tables import PrinciplesVersion
from registry.settings import Settings

WORDS = ["Human", "Rights", "Centre", "Legal", "Initiative", "Committee", "Foundation",
         "Вясна", "Хельсінкскі", "камітэт", "Прававая", "ініцыятыва", "Салідарнасць"]


async def seed_signatories(count: int, *, prefix: str = "s", seed: int = 20261203,
                           batch: int = 500) -> list[str]:
    """`count` signatories as acceptance leaves them (active, version 1.0, listed in
    public), written in bulk; every tenth marked persecuted. Their names, in order of
    creation. The Principles must be synced."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    version = await PrinciplesVersion.select(PrinciplesVersion._meta.primary_key).where(
        PrinciplesVersion.version_id == "1.0").first()
    assert version is not None, "sync the Principles first"
    now = datetime.now(UTC)
    names = []
    for start in range(0, count, batch):
        rows, numbers = [], range(start, min(start + batch, count))
        for n in numbers:
            name = " ".join(rng.sample(WORDS, 3)) + f" {n}"
            names.append(name)
            rows.append(Signatory(
                public_id=f"{prefix}{n:07d}", kind="organisation", listing="public",
                status="active", version_id="1.0", name=seal(Signatory.name, name),
                register_name=name, acceded_at=now, created_at=now,
                persecution=persecution_mark(now if n % 10 == 0 else None)))
        async with db.write_transaction():
            inserted = await Signatory.insert(*rows)
            application = {"public_name": "", "listing": "public", "language": "en"}
            await Accession.insert(*[Accession(
                public_id=f"a{prefix}{n:07d}", version=version["id"], status="active",
                email_lookup=f"{n:064d}",
                application=seal(Accession.application, json.dumps(
                    {**application, "public_name": names[n]})),
                statement=seal(Accession.statement, "{}"), statement_hash="0" * 64,
                signatory=row["id"], submitted_at=now, confirmed_at=now,
                confirmation_sent_at=now, decided_at=now)
                for n, row in zip(numbers, inserted, strict=True)])
            await Deadline.insert(*[Deadline(
                subject=subject_of(f"{prefix}{n:07d}"), kind=LAPSE,
                due_at=now + timedelta(days=395), stated_at=now + timedelta(days=365),
                paused=seal_moment(Deadline.paused, None), created_at=now)
                for n in numbers])
    await Signatory.raw("ANALYZE")
    return names


class QueryCounter:
    """Counts the queries the engine runs while it is on (Piccolo's own query log, which
    calls `print_query` for each: counted here instead of printed)."""

    def __init__(self) -> None:
        self.count = 0
        self.queries: list[str] = []

    def __enter__(self) -> QueryCounter:
        engine = db.engine()
        self._engine, self._was = engine, engine.log_queries
        self._kind, self._printed = type(engine), type(engine).print_query
        self.count, self.queries = 0, []

        def counted(engine_: object, query_id: int, query: str) -> None:
            self.count += 1
            self.queries.append(query)

        self._kind.print_query = counted  # type: ignore[method-assign,assignment]
        engine.log_queries = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._engine.log_queries = self._was
        self._kind.print_query = self._printed  # type: ignore[method-assign]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def run(settings: Settings, count: int, runs: int) -> None:
    from litestar.testing import AsyncTestClient

    from registry.app import create_app
    from registry.staff import guards
    from tests.staff.helpers import make_member, session_for

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    if settings.database_url.startswith("postgres"):
        import asyncpg  # emptied before the keys see values sealed with other keys

        connection = await asyncpg.connect(dsn=settings.database_url)
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()
    runtime.configure(settings)
    await db.migrate()
    await principles.sync(settings.principles_dir, actor=SYSTEM)
    started = time.perf_counter()
    await seed_signatories(count)
    engine = "PostgreSQL" if settings.database_url.startswith("postgres") else "SQLite"
    print(f"seeded {count} signatories in {time.perf_counter() - started:.0f} s ({engine})")
    member = await make_member(settings, "secretariat")
    session = await session_for(member, settings)
    last = -(-count // 50)
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.cookies.set(guards.SESSION_COOKIE, session)
        print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'queries':>8}")
        for label, number in (("first", 1), ("middle", last // 2), ("last", last)):
            path = f"/staff/signatories?page={number}"
            with QueryCounter() as queries:
                answer = await client.get(path)
            assert answer.status_code == 200, answer.status_code
            timings = []
            for _ in range(runs):
                began = time.perf_counter()
                answer = await client.get(path)
                timings.append((time.perf_counter() - began) * 1000)
            print(f"{label + f' ({number})':<22} {statistics.median(timings):8.1f} "
                  f"{percentile(timings, 95):8.1f} {percentile(timings, 99):8.1f} "
                  f"{queries.count:8d}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    from tests.conftest import PRINCIPLES

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
        # The app in this process, on this loop: PostgreSQL through its pool, as served.
        settings = Settings(data_dir=data_dir, database_url=url, principles_dir=PRINCIPLES)
        asyncio.run(run(settings, args.count, args.runs))


if __name__ == "__main__":
    main()
