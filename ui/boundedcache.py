"""A thread-safe least-recently-used cache bounded by entry count, bytes and (optionally) age.

>>> cache = BoundedCache(max_entries=2, max_bytes=10_000)
>>> cache.put("a", 1); cache.put("b", 2); cache.put("c", 3)
>>> cache.get("a") is None, cache.get("c")
(True, 3)
"""

from __future__ import annotations

import collections
import pickle
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


def pickled_size(value: Any) -> int:
    """Bytes of `value` pickled: what a trained result really holds (weights, history, ...)."""
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class BoundedCache:
    """LRU of at most `max_entries` values and `max_bytes` bytes; entries expire after `ttl` s."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        ttl: float | None = None,
        size_of: Callable[[Any], int] = pickled_size,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self.size_of, self.clock = size_of, clock
        self._lock = threading.Lock()
        self._items: collections.OrderedDict[Hashable, tuple[Any, int, float]] = (
            collections.OrderedDict()
        )
        self.nbytes = 0

    def get(self, key: Hashable) -> Any:
        """The value for `key`, or None (absent or expired); a hit becomes most recent."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if self.ttl is not None and self.clock() - item[2] > self.ttl:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Store `value` (not stored if alone it exceeds max_bytes), evicting the oldest."""
        size = self.size_of(value)
        with self._lock:
            if key in self._items:
                self._drop(key)
            if size > self.max_bytes:
                return
            self._items[key] = (value, size, self.clock())
            self.nbytes += size
            while len(self._items) > self.max_entries or self.nbytes > self.max_bytes:
                self._drop(next(iter(self._items)))

    def _drop(self, key: Hashable) -> None:
        _, size, _ = self._items.pop(key)
        self.nbytes -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)
