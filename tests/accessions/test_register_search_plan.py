"""The register's search finds what a rare word matches without reading every listed
signatory (PostgreSQL: trigrams of the search key, and an order index that the filters
read alone); the same results on both engines (tests/accessions/test_register.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from piccolo.engine.postgres import PostgresEngine

from registry import db, keys
from registry.accessions import names, register
from registry.accessions.tables import Signatory
from tests.benchmarks.staff_list import QueryCounter

WORDS = ["Human", "Rights", "Centre", "Legal", "Initiative", "Вясна", "камітэт", "Фонд"]


def name_of(n: int) -> str:
    return f"{WORDS[n % 8]} {WORDS[(n * 3 + 1) % 8]} {n}"


def matching(text: str, count: int) -> int:
    """How many of the names hold every word of the text (its spelling key's)."""
    words = names.spelling_key(text).split()
    return sum(all(w in names.spelling_key(name_of(n)) for w in words) for n in range(count))


async def many_listed(count: int) -> None:
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        name = name_of(n)
        rows.append(Signatory(
            public_id=f"plan{n:05d}", kind="organisation", listing="public",
            status="active", version_id="1.0",
            name=keys.keyring().cipher.encrypt(name, purpose="signatory.name"),
            register_name=name, register_country="PL" if n % 3 == 0 else "LT",
            search_key=names.spelling_key(name), acceded_at=now, created_at=now))
    for start in range(0, count, 500):
        await Signatory.insert(*rows[start:start + 500])
    # As autovacuum would after a load (statistics, and the map index-only scans need).
    await Signatory.raw("VACUUM ANALYZE signatory" if isinstance(db.engine(), PostgresEngine)
                        else "ANALYZE")


def rows_read(plan: dict) -> int:
    """Rows every scan of the plan produced or threw away by its filter (a bitmap of an
    index's matches is not rows: the scan of the table that reads it is)."""
    scans = "Scan" in plan["Node Type"] and plan["Node Type"] != "Bitmap Index Scan"
    own = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0) if scans else 0
    return own + sum(rows_read(child) for child in plan.get("Plans", []))


async def examined(text: str, **filters: str) -> tuple[int, int]:
    """How many rows the search's query read, and how many signatories it found."""
    with QueryCounter() as log:
        page = await register.search(text=text, **filters)
    read = 0
    for query in log.queries if isinstance(db.engine(), PostgresEngine) else ():
        if "signatory" not in query.split("WHERE")[0]:  # the deadlines shown
            continue
        explained = await Signatory.raw(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")
        plan = explained[0]["QUERY PLAN"]
        read += rows_read((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return read, len(page.entries)


async def test_a_rare_word_reads_few_rows(settings, is_postgres):
    """On PostgreSQL; on SQLite (no trigram index: it walks the order index) the same
    signatories are found."""
    await many_listed(3000)
    for text in ("2718", "centre 2718", "helsinki", "камітэт 1234", "фонд 1235",
                 "q", "zx", "q 7"):  # short words too, which have no trigram
        read, entries = await examined(text)
        assert entries == matching(text, 3000), (text, entries)
        assert read <= 100 or not is_postgres, (text, read)
    # A common word, a filter, a common short word: the walk stops at a page, filtering
    # in the index.
    for text, filters in (("centre", {"country": "PL"}), ("e", {}), ("7", {})):
        read, entries = await examined(text, **filters)
        assert entries == register.PAGE, text
        assert read <= 2500 or not is_postgres, (text, read)
