"""A small per-process cache of immutable values (catalogue pages, verified tokens).

Django's LocMemCache pickles every value, so each hit would unpickle a copy of the page;
here a hit is a dict lookup and a clock read (docs/performance.md).

Values are shared, not copied: store only immutable ones (bytes, tuples, frozen dataclasses).
Reads take no lock (a dict lookup is atomic under the GIL); writes do. Each entry has its
own expiry (`time.time()`); bounded: when full, the entry written longest ago goes first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from typing import Any


class LocalCache:
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any | None:
        found = self._entries.get(key)
        if found is None or time.time() >= found[0]:
            return None
        return found[1]

    def put(self, key: Hashable, value: Any, until: float) -> None:
        """Keep `value` under `key` until the time `until` (a `time.time()` value)."""
        with self._lock:
            self._entries.pop(key, None)  # a rewritten entry counts as the newest
            while len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (until, value)

    def clear(self) -> None:
        with self._lock:
            self._entries = {}

    def __len__(self) -> int:
        return len(self._entries)
