"""A per-principal rate limit on searches (ENDWATCH_SEARCH_PER_MINUTE), so that serials cannot be enumerated
through the search box or `GET /api/v1/search`: a sliding minute per principal; past the limit the answer is
429 with Retry-After, and the refused search costs no query.

The searches are counted in the same shared store as failed sign-ins (services/accounts/signin_limits.
SignInCounts; db/accounts/signin_counts.py), so every server worker, and every server process on the same
database, sees every search: a principal cannot multiply its allowance by the number of workers. Counting
takes two short autocommit statements outside the registry's write lock and is never audited. Keys are the
SHA-256 of "search", NUL, the principal's username (apart from every sign-in key). Two workers answering the
same principal at the same instant may each let one search through past the limit (check, then count).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from endwatch.services.accounts.signin_limits import MemorySignInCounts, SignInCounts
from endwatch.web.errors import RateLimited

WINDOW = 60.0
# Rows older than this are deleted by the limiter (longer than any sign-in window, whose rows share the store).
KEEP = 3600.0


def search_key(principal: str) -> str:
    """The key a principal's searches are counted under."""
    return hashlib.sha256(f"search\0{principal}".encode()).hexdigest()


class RateLimiter:
    """At most `per_minute` calls per key in any sixty seconds, counted in `counts` (shared between processes
    when it is the database's store; this process's memory by default, for tests of the rule)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time,
                 counts: SignInCounts | None = None) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.counts: SignInCounts = counts if counts is not None else MemorySignInCounts()
        self._last_prune = clock()

    def check(self, key: str, what: str = "searches") -> None:
        """Count one call for `key`; RateLimited (with the seconds to wait) when it would pass the limit."""
        now = self.clock()
        counted = search_key(key)
        recent = self.counts.recent(counted, now - WINDOW)
        if len(recent) >= self.per_minute:
            wait = max(1, math.ceil(recent[0] + WINDOW - now))
            raise RateLimited(f"too many {what}: at most {self.per_minute} a minute; try again in {wait} s", wait)
        self.counts.add(counted, now)
        if now - self._last_prune > KEEP:
            # Searches older than an hour count for nothing: forget them, so the store stays small.
            self._last_prune = now
            self.counts.prune(now - KEEP)
