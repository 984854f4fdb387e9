"""A per-principal rate limit on searches (ENDWATCH_SEARCH_PER_MINUTE), so that serials cannot be enumerated
through the search box or `GET /api/v1/search`. Counted in this process's memory: a sliding minute per
principal; past the limit the answer is 429 with Retry-After, and the refused search costs no query."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from endwatch.web.errors import RateLimited

WINDOW = 60.0


class RateLimiter:
    """At most `per_minute` calls per key in any sixty seconds."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, what: str = "searches") -> None:
        """Count one call for `key`; RateLimited (with the seconds to wait) when it would pass the limit."""
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - WINDOW:
                calls.popleft()
            if len(calls) >= self.per_minute:
                wait = max(1, math.ceil(calls[0] + WINDOW - now))
                raise RateLimited(f"too many {what}: at most {self.per_minute} a minute; try again in {wait} s",
                                  wait)
            calls.append(now)
            if len(self._calls) > 10_000:  # forget principals idle for a minute, so memory stays bounded
                for idle in [k for k, v in self._calls.items() if not v or v[-1] <= now - WINDOW]:
                    del self._calls[idle]
