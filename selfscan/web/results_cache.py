"""A small thread-safe LRU cache of per-round computations, one per application.

A performance measure that earns its place (docs/performance.md, "Results page"): aggregating a
round's submitted answers per role group and side of the chain is most of a results page's time,
and a coordinator, the report, the PDF and the exports ask for the same round again and again.

The key is ``round_key``: the round's id, its creation time (guards against a reused row id), its
revision and its status. Every submission bumps the revision (answers count only once submitted,
and submitted answers cannot change) and closing changes the status, so the cache never serves a
result of an earlier state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ResultsCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]  # stored by compute() below
        value = compute()  # outside the lock: two threads may compute the same value once each
        with self._lock:
            self.misses += 1
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


def round_key(round_row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Cache key of a round's computed state; see the module docstring."""
    return (round_row["id"], round_row["created_at"], round_row["revision"], round_row["status"])
