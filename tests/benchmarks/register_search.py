"""Benchmark: the public register with 100,000 signatories, on SQLite or PostgreSQL.

Seeds a fresh database, starts `registry serve` (one worker, as in production), and
measures each request over HTTP from this process, one at a time; then the register's
search itself (`register.search`, the database's part of each request) in this process,
and on PostgreSQL the server's own execution time of its queries (EXPLAIN ANALYZE):

    python -m tests.benchmarks.register_search                      # SQLite in a temp dir
    python -m tests.benchmarks.register_search --database-url postgresql://.../bench_db

The PostgreSQL database must exist and be empty (it is migrated here). Prints p50, p95
and p99 per request kind, in milliseconds, and how many signatories each search finds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from piccolo.engine.postgres import PostgresEngine

from registry import db, keys, runtime
from registry.accessions import names
from registry.accessions.tables import Signatory
from registry.audit.services import SYSTEM
from registry.principles import services as principles
from registry.settings import Settings
from tests.serving.server import running_registry

LATIN = ["Human", "Rights", "Centre", "Legal", "Initiative", "Committee", "Foundation",
         "Association", "Defence", "Aid", "Union", "Office", "Network", "Freedom", "Justice",
         "Voice", "Watch", "Support", "Solidarity", "House", "Spring", "Law", "Civic", "Forum"]
CYRILLIC = ["Праваабарончы", "цэнтр", "Вясна", "Хельсінкскі", "камітэт", "Прававая",
            "ініцыятыва", "Саюз", "Фонд", "Дом", "Салідарнасць", "Свабода", "Голас",
            "Правозащитный", "центр", "Инициатива", "Защита", "Помощь", "Сеть", "Форум"]


def random_name(rng: random.Random, n: int) -> str:
    words = rng.choice([LATIN, CYRILLIC])
    return " ".join(rng.sample(words, rng.randint(2, 4))) + f" {n}"


async def seed(settings: Settings, count: int) -> None:
    runtime.configure(settings)
    await db.migrate()
    await principles.sync(settings.principles_dir, actor=SYSTEM)
    rng = random.Random(20261122)  # noqa: S311 - sample data, not secrets
    cipher = keys.keyring().cipher
    now = datetime.now(UTC)
    batch: list[Signatory] = []
    for n in range(count):
        name = random_name(rng, n)
        listing = rng.choices(["public", "pseudonymous", "unlisted"], [70, 20, 10])[0]
        listed = listing != "unlisted"
        public = listing == "public"
        batch.append(Signatory(
            public_id=f"b{n:07d}", kind=rng.choice(["organisation", "individual"]),
            listing=listing, status=rng.choices(["active", "suspended", "lapsed"],
                                                [90, 5, 5])[0],
            version_id="1.0", name=cipher.encrypt(name, purpose="signatory.name"),
            register_name=name if listed else None,
            register_country=rng.choice(["BY", "LT", "PL", "DE", "GE"]) if public else None,
            search_key=names.spelling_key(name) if listed else None,
            acceded_at=now, created_at=now))
        if len(batch) == 1000:
            async with db.write_transaction():
                await Signatory.insert(*batch)
            batch = []
    if batch:
        async with db.write_transaction():
            await Signatory.insert(*batch)
    # Planner statistics, as `PRAGMA optimize` would gather on SQLite, and on PostgreSQL
    # with the visibility map, as autovacuum would after a bulk load (its index-only
    # scans need the map); without them the first measurements sort.
    await Signatory.raw("VACUUM ANALYZE signatory" if settings.database_url.startswith(
        "postgres") else "ANALYZE")


REQUESTS = {
    "API list, first page": "/api/v1/signatories",
    "API search, Latin word": "/api/v1/signatories?q=solidarity",
    "API search, Cyrillic word": "/api/v1/signatories?q=вясна",
    "API search, rare (one match)": "/api/v1/signatories?q=49999",
    "API search, rare Cyrillic": "/api/v1/signatories?q=Хельсінкскі+камітэт+4321",
    "API search, two words": "/api/v1/signatories?q=human+rights",
    "API search, no match": "/api/v1/signatories?q=lawtrend",
    "API search, short, no match": "/api/v1/signatories?q=q",
    "API search, short, common": "/api/v1/signatories?q=ab",
    "API search and filter": "/api/v1/signatories?q=centre&country=PL&kind=organisation",
    "API filter, country": "/api/v1/signatories?country=PL",
    "API one signatory": "/api/v1/signatories/b0001234",
    "Register page, search": "/register?q=helsinki",
}


def arguments_of(path: str) -> dict[str, str] | None:
    """The search a request of REQUESTS makes, as `register.search` arguments."""
    url = httpx.URL(path)
    if not url.path.endswith("/signatories") and url.path != "/register":
        return None
    given = dict(url.params)
    return {"text" if name == "q" else name: value for name, value in given.items()}


async def measure_search(runs: int) -> None:
    """The database's part: `register.search` in this process, through a pool as the
    server's, for each search of REQUESTS."""
    from registry.accessions import register

    await db.start(db.engine())
    try:
        print(f"\n{'register.search':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'found':>6}")
        for label, path in REQUESTS.items():
            given = arguments_of(path)
            if given is None:
                continue
            page = await register.search(**given)  # warm-up
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                page = await register.search(**given)
                timings.append((time.perf_counter() - started) * 1000)
            print(f"{label:<32} {statistics.median(timings):8.1f} "
                  f"{percentile(timings, 95):8.1f} {percentile(timings, 99):8.1f} "
                  f"{len(page.entries):6d}")
        if isinstance(db.engine(), PostgresEngine):
            await measure_plans(max(runs // 4, 20))
    finally:
        await db.stop(db.engine())


async def measure_plans(runs: int) -> None:
    """PostgreSQL's own execution time of each search's queries (EXPLAIN ANALYZE, summed
    over the queries that read the signatories): the database's part without this
    process's."""
    from registry.accessions import register
    from tests.benchmarks.staff_list import QueryCounter

    print(f"\n{'PostgreSQL execution':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, path in REQUESTS.items():
        given = arguments_of(path)
        if given is None:
            continue
        with QueryCounter() as log:
            await register.search(**given)
        queries = [q for q in log.queries if "signatory" in q.split("WHERE")[0]]
        timings = []
        for _ in range(runs):
            total = 0.0
            for query in queries:
                plan = await Signatory.raw(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")
                found = plan[0]["QUERY PLAN"]
                total += (json.loads(found) if isinstance(found, str) else found)[0][
                    "Execution Time"]
            timings.append(total)
        print(f"{label:<32} {statistics.median(timings):8.2f} "
              f"{percentile(timings, 95):8.2f} {percentile(timings, 99):8.2f}")


def measure(base: str, path: str, runs: int) -> list[float]:
    timings = []
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get(path)  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code not in (200, 404):
                raise RuntimeError(f"{path}: {response.status_code}")
    return timings


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def in_process(settings: Settings, runs: int) -> None:
    runtime.configure(settings)
    await measure_search(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = args.database_url or f"sqlite:///{data_dir / 'bench.sqlite3'}"
        settings = Settings(data_dir=data_dir, database_url=url)
        started = time.perf_counter()
        asyncio.run(seed(settings, args.count))
        print(f"seeded {args.count} signatories in {time.perf_counter() - started:.0f} s "
              f"({'PostgreSQL' if url.startswith('postgres') else 'SQLite'})")
        env = {"REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_DATABASE_URL": url}
        with running_registry(data_dir, env=env, timeout=120) as base:
            print(f"{'request':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
            for label, path in REQUESTS.items():
                timings = measure(base, path, args.runs)
                print(f"{label:<32} {statistics.median(timings):8.1f} "
                      f"{percentile(timings, 95):8.1f} {percentile(timings, 99):8.1f}")
        asyncio.run(in_process(settings, args.runs))


if __name__ == "__main__":
    main()
