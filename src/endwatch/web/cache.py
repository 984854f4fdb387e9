"""A small cache of answers that depend only on the stored records, keyed by the state version.

Every write is recorded in the audit trail in its own transaction, so the audit chain's head changes
with every write: an answer computed at version V stays right until the head moves, and the whole
cache is dropped as soon as a request sees a newer version. A value computed while a write commits may
be newer than its key's version, never older, so a stale answer is never served. This keeps a hot
read (the trace endpoint, bearer-token lookups) at one small query per request: the version, read by
Endwatch.state_version in one statement.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import Request

from endwatch.web.security import endwatch_of

T = TypeVar("T")

# Answers computed at once in worker threads (per process). Python runs one thread at a time, so more
# threads mostly add switching between them; two let one answer's database round trips overlap another's
# work. Far below the connection pool's size, so computing never opens (and closes) connections beyond
# the pool. A plain executor: handing work to it costs a third of what anyio's thread pool does.
COMPUTE_THREADS = 2
_COMPUTE = ThreadPoolExecutor(max_workers=COMPUTE_THREADS, thread_name_prefix="endwatch-answer")

_MISSING: Any = object()


class VersionedCache:
    """LRU cache of at most `max_entries` values, all valid for one state version."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._version: int | None = None
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def lookup(self, version: int, key: Hashable) -> Any:
        """The value stored for `key` at `version`, else _MISSING. A newer version drops every value."""
        with self._lock:
            if version != self._version:
                self._data.clear()
                self._version = version
            value = self._data.get(key, _MISSING)
            if value is not _MISSING:
                self._data.move_to_end(key)
                self.hits += 1
            return value

    def store(self, version: int, key: Hashable, value: Any) -> None:
        """Keep `value`, computed after `version` was read, unless a newer version was seen meanwhile."""
        with self._lock:
            self.misses += 1
            if self._version == version:
                self._data[key] = value
                if len(self._data) > self.max_entries:
                    self._data.popitem(last=False)

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        found = self.lookup(version, key)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        value = compute()  # outside the lock: requests for other keys are not held up
        self.store(version, key, value)
        return value


def request_version(request: Request) -> int:
    """The state version, read once per request (one statement)."""
    version: int | None = getattr(request.state, "state_version", None)
    if version is None:
        version = endwatch_of(request).state_version()
        request.state.state_version = version
    return version


def cached(request: Request, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its answer from earlier at the same state version."""
    cache: VersionedCache = request.app.state.cache
    return cache.get(request_version(request), key, compute)


def stored(request: Request, key: Hashable) -> Any | None:
    """The value kept for `key` at the current state version, None when there is none (never computed here)."""
    cache: VersionedCache = request.app.state.cache
    found = cache.lookup(request_version(request), key)
    return None if found is _MISSING else found


async def cached_in_thread(request: Request, key: Hashable, compute: Callable[[], T]) -> T:
    """Like `cached`, for async routes: a stored answer comes straight from the event loop (no thread),
    and only a missing one is computed, in a worker thread, at most COMPUTE_THREADS at once."""
    cache: VersionedCache = request.app.state.cache
    version = request_version(request)
    found = cache.lookup(version, key)
    if found is not _MISSING:
        return found  # type: ignore[no-any-return]
    value = await asyncio.get_running_loop().run_in_executor(_COMPUTE, compute)
    cache.store(version, key, value)
    return value
