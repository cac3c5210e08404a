"""The bounded result cache: least recently used out, by count, by bytes and by age."""

from __future__ import annotations

from ui.boundedcache import BoundedCache, pickled_size


def test_evicts_the_least_recently_used_beyond_max_entries():
    cache = BoundedCache(max_entries=3, max_bytes=10**6)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("d", "D")
    assert cache.get("b") is None and [cache.get(k) for k in "acd"] == ["A", "C", "D"]
    assert len(cache) == 3


def test_bytes_are_bounded_and_counted_as_pickled():
    blob = b"x" * 1000
    size = pickled_size(blob)
    cache = BoundedCache(max_entries=100, max_bytes=3 * size)
    for key in range(5):
        cache.put(key, blob)
    assert len(cache) == 3 and cache.nbytes == 3 * size
    assert [cache.get(k) is None for k in range(5)] == [True, True, False, False, False]
    cache.put("huge", b"y" * 10_000)  # alone above the bound: not stored, nothing evicted
    assert cache.get("huge") is None and len(cache) == 3


def test_replacing_a_key_keeps_the_byte_count_right():
    cache = BoundedCache(max_entries=10, max_bytes=10**6)
    cache.put("k", b"a" * 100)
    cache.put("k", b"a" * 10)
    assert cache.nbytes == pickled_size(b"a" * 10) and len(cache) == 1


def test_entries_expire_after_their_time_to_live():
    now = [0.0]
    cache = BoundedCache(max_entries=10, max_bytes=10**6, ttl=60, clock=lambda: now[0])
    cache.put("k", 1)
    now[0] = 59.0
    assert cache.get("k") == 1
    now[0] = 61.0
    assert cache.get("k") is None and len(cache) == 0 and cache.nbytes == 0
