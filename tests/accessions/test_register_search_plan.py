"""The register's search finds what a rare word matches without reading every listed
signatory (PostgreSQL: trigrams of the search key, and an order index that the filters
read alone); the same results on both engines (tests/accessions/test_register.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from registry import keys
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
    await Signatory.raw("VACUUM ANALYZE signatory")  # as autovacuum would after a load


def rows_read(plan: dict) -> int:
    """Rows every scan of the plan produced or threw away by its filter."""
    own = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
           if "Scan" in plan["Node Type"] else 0)
    return own + sum(rows_read(child) for child in plan.get("Plans", []))


async def examined(text: str, **filters: str) -> tuple[int, int]:
    """How many rows the search's query read, and how many signatories it found."""
    with QueryCounter() as log:
        page = await register.search(text=text, **filters)
    query = next(q for q in log.queries if "LIKE" in q or "ORDER BY" in q)
    explained = await Signatory.raw(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")
    plan = explained[0]["QUERY PLAN"]
    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return rows_read(plan), len(page.entries)


async def test_a_rare_word_reads_few_rows(settings, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite has no trigram index: it walks the order index")
    await many_listed(3000)
    for text in ("2718", "centre 2718", "helsinki", "камітэт 1234", "фонд 1235"):
        read, entries = await examined(text)
        assert entries == matching(text, 3000), (text, entries)
        assert read <= 100, (text, read)
    # A common word, a filter: the walk stops at a page, filtering in the index.
    read, entries = await examined("centre", country="PL")
    assert entries == register.PAGE and read <= 1000, read
