"""The badges' cache is bounded by the bytes it holds, not by a number of entries: one
worker that has drawn every badge keeps at most CACHE_BYTES of them (issue 12)."""

from __future__ import annotations

from registry.badges import services as badges
from registry.badges.services import Images, _Cache


def image(kilobytes: int, tag: str = "x") -> Images:
    return Images(svg=tag.encode() * (kilobytes * 512), png=b"\x89" * (kilobytes * 512),
                  etag=tag, language="en")


def test_what_it_holds_stays_under_its_bytes_least_recently_used_out_first():
    cache = _Cache(limit=100 * 1024)
    for n in range(10):
        cache.put(f"img:{n}", 1, image(20, str(n)))
        assert cache.bytes <= cache.limit
    # Four of 20 KB (and a little more) fit in 100 KB: the newest four.
    assert [key for key in cache.entries] == ["img:6", "img:7", "img:8", "img:9"]
    assert cache.bytes == sum(entry[2] for entry in cache.entries.values())
    # Read, an entry is used again: the next one out is the oldest unread.
    assert cache.get("img:6", 1) is not None
    cache.put("img:10", 1, image(20, "10"))
    assert "img:6" in cache.entries and "img:7" not in cache.entries


def test_a_replaced_entry_counts_once_and_one_too_big_is_never_kept():
    cache = _Cache(limit=100 * 1024)
    cache.put("img:a", 1, image(20))
    held = cache.bytes
    cache.put("img:a", 2, image(20))  # a newer counter: the same key again
    assert cache.bytes == held and cache.get("img:a", 2) is not None
    assert cache.get("img:a", 1) is None  # keyed on the change counter still
    cache.put("img:huge", 2, image(200))
    assert "img:huge" not in cache.entries and cache.get("img:a", 2) is not None
    assert cache.bytes == held


def test_the_registry_cache_is_bounded_by_bytes():
    assert badges._cache.limit == badges.CACHE_BYTES == 8 * 1024 * 1024
