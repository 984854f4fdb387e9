"""The public figures, served from their last computation and refreshed in the background.

The transparency page and the map are public, so what a request costs must not depend on the registry's
size or on how often it is written to. Computing the figures reads every delivery group up to the last
completed quarter (minutes at ten million items on a busy SQLite machine). Kept per state version, as other
answers are, every write would make the next public request pay that again, and a stream of writes plus a
stream of anonymous requests would keep the server computing. So the figures are kept until replaced: a
request after a write gets the figures kept (their computing time shown) and starts one background
computation, at most one per key at a time and not sooner than `refresh_seconds` after the last one.
Only the very first request for a key, when nothing is kept, waits for a computation (one at a time).

Kept figures are never newer than they say: they are stamped with the state version read before computing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

# Distinct keys kept (a key is the published period and the small-cell rules, so a handful at most).
MAX_KEYS = 16


@dataclass(frozen=True)
class Kept(Generic[T]):
    """Figures with the state version they were computed at and when (seconds since the epoch)."""

    value: T
    version: int
    computed_at: float


class Published(Generic[T]):
    """Figures per key, computed once, then refreshed in the background after the state version moves."""

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._kept: dict[Hashable, Kept[T]] = {}
        self._busy: dict[Hashable, threading.Thread] = {}
        self._tried: dict[Hashable, float] = {}  # when the last background computation of a key began
        self._lock = threading.Lock()
        self._first = threading.Lock()  # first computations, one at a time: a burst waits for one, not each

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> Kept[T]:
        """The figures kept for `key`, refreshed in the background when `version` is newer than theirs and
        the last computation is at least `refresh_seconds` old; computed here only when none are kept."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                now = time.time()
                if (kept.version != version and key not in self._busy
                        and now - self._tried.get(key, kept.computed_at) >= self.refresh_seconds):
                    self._tried[key] = now
                    worker = threading.Thread(target=self._refresh, args=(version, key, compute),
                                              name="endwatch-published", daemon=True)
                    self._busy[key] = worker
                    worker.start()
                return kept
        with self._first:
            with self._lock:
                kept = self._kept.get(key)
            if kept is not None:  # computed by the request this one waited for
                return kept
            return self._store(version, key, compute())

    def wait(self, timeout: float = 60.0) -> None:
        """Wait for the background computations running now (for tests and orderly shutdown)."""
        with self._lock:
            running = list(self._busy.values())
        for worker in running:
            worker.join(timeout)

    def _store(self, version: int, key: Hashable, value: T) -> Kept[T]:
        kept = Kept(value, version, time.time())
        with self._lock:
            self._kept[key] = kept
            while len(self._kept) > MAX_KEYS:
                oldest = next(iter(self._kept))
                self._kept.pop(oldest)
                self._tried.pop(oldest, None)
        return kept

    def _refresh(self, version: int, key: Hashable, compute: Callable[[], T]) -> None:
        try:
            self._store(version, key, compute())
        except Exception:  # the figures kept stay served; a request after the interval tries again
            log.exception("refreshing the public figures failed")
        finally:
            with self._lock:
                self._busy.pop(key, None)
