"""ecommerce.local_cache.LocalCache: the per-process cache behind verified tokens and
rendered catalogue pages."""

import time

from ecommerce.local_cache import LocalCache


def test_an_entry_is_served_until_its_own_expiry():
    cache = LocalCache(10)
    now = time.time()
    cache.put("a", b"page", now + 60)
    cache.put("b", b"gone", now - 1)
    assert cache.get("a") == b"page"
    assert cache.get("b") is None
    assert cache.get("missing") is None


def test_when_full_the_entry_written_longest_ago_goes_first():
    cache = LocalCache(3)
    until = time.time() + 60
    for key in "abc":
        cache.put(key, key, until)
    cache.put("a", "a again", until)  # rewritten: now the newest
    cache.put("d", "d", until)
    assert len(cache) == 3
    assert [cache.get(k) for k in "abcd"] == ["a again", None, "c", "d"]


def test_clear_empties_it():
    cache = LocalCache(3)
    cache.put("a", 1, time.time() + 60)
    cache.clear()
    assert (len(cache), cache.get("a")) == (0, None)
