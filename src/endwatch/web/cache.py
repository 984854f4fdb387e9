"""A small cache of answers that depend only on the stored records, keyed by the state version.

Every write is recorded in the audit trail in its own transaction, so the audit chain's head changes
with every write: an answer computed at version V stays right until the head moves, and the whole
cache is dropped as soon as a request sees a newer version. A value computed while a write commits may
be newer than its key's version, never older, so a stale answer is never served. This keeps a hot
read (the trace endpoint, bearer-token lookups) at one small query per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request

from endwatch.services import browse
from endwatch.web.security import endwatch_of

T = TypeVar("T")


class VersionedCache:
    """LRU cache of at most `max_entries` values, all valid for one state version."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._version: int | None = None
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if version != self._version:
                self._data.clear()
                self._version = version
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: requests for other keys are not held up
        with self._lock:
            self.misses += 1
            if self._version == version:
                self._data[key] = value
                if len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
        return value


def request_version(request: Request) -> int:
    """The state version, read once per request (one query)."""
    version: int | None = getattr(request.state, "state_version", None)
    if version is None:
        version = browse.state_version(endwatch_of(request).reader())
        request.state.state_version = version
    return version


def cached(request: Request, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its answer from earlier at the same state version."""
    cache: VersionedCache = request.app.state.cache
    return cache.get(request_version(request), key, compute)
