"""How many sign-in attempts are allowed: one set of rules for the web's sign-in form and `endwatch login`.

- At most `per_username` failed sign-ins for one username within `window_seconds`; then every attempt for
  it is refused (TooManyAttempts, with the seconds to wait) until the oldest failure leaves the window.
  Unknown usernames are counted alike, so the answer never says whether an account exists.
- At most `per_address` attempts (failed or not) from one client address in the same window: the web's
  only, since the command line has no client address.
- A username is counted by its canonical form (trimmed, NFKC, case-folded), the form sign-in looks it up
  by, so " Auditor" and "auditor" share one count.

The counts live behind a port, SignInCounts: bootstrap gives the web's server workers and every
`endwatch login` one shared store outside the registry (db/accounts/signin_counts.py), written without the
registry's write lock and never audited; MemorySignInCounts serves tests of the rules alone.
"""

from __future__ import annotations

import hashlib
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from endwatch.errors import TooManyAttempts


def canonical_username(text: str) -> str:
    """The one form of a username for sign-in, throttling and storage: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text.strip()).casefold()


def username_key(username: str) -> str:
    """The key a username's failures are counted under: the SHA-256 of its canonical form (never the name
    typed, which may be a mistyped password)."""
    return hashlib.sha256(canonical_username(username).encode()).hexdigest()


def address_key(address: str) -> str:
    """The key a client address's attempts are counted under (apart from every username key)."""
    return hashlib.sha256(f"address\0{address}".encode()).hexdigest()

@dataclass(frozen=True)
class SignInRules:
    """The limits, and the checks that apply them to the times of earlier attempts (in seconds)."""

    per_username: int = 5
    per_address: int = 30
    window_seconds: float = 300.0

    def recent(self, times: Sequence[float], now: float) -> list[float]:
        """The times still inside the window, oldest first."""
        return sorted(t for t in times if t > now - self.window_seconds)

    def check_failures(self, failures: Sequence[float], now: float) -> None:
        """Raise TooManyAttempts when the username's recent failures reach the limit."""
        recent = self.recent(failures, now)
        if len(recent) >= self.per_username:
            raise TooManyAttempts("too many failed sign-ins for this username; wait a few minutes",
                                  self._wait(recent, now))

    def check_attempts(self, attempts: Sequence[float], now: float) -> None:
        """Raise TooManyAttempts when the address's recent attempts reach the limit."""
        recent = self.recent(attempts, now)
        if len(recent) >= self.per_address:
            raise TooManyAttempts("too many sign-in attempts from your address; wait a few minutes",
                                  self._wait(recent, now))

    def _wait(self, recent: list[float], now: float) -> int:
        return int(recent[0] + self.window_seconds - now) + 1


class SignInCounts(Protocol):
    """Where attempts are counted: times (seconds since the epoch) under a key, seen by every process."""

    def recent(self, key: str, since: float) -> list[float]:
        """The times counted under `key` after `since`, oldest first."""
    def add(self, key: str, at: float) -> None:
        """Count one attempt under `key` at `at`."""
    def forget(self, key: str) -> None:
        """Forget every attempt counted under `key`."""
    def prune(self, before: float) -> None:
        """Forget every attempt at or before `before` (they count for nothing any more)."""


@dataclass
class MemorySignInCounts:
    """SignInCounts in this process only (tests of the rules; never for more than one server worker)."""

    _times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def recent(self, key: str, since: float) -> list[float]:
        with self._lock:
            return sorted(t for t in self._times.get(key, ()) if t > since)

    def add(self, key: str, at: float) -> None:
        with self._lock:
            self._times[key].append(at)

    def forget(self, key: str) -> None:
        with self._lock:
            self._times.pop(key, None)

    def prune(self, before: float) -> None:
        with self._lock:
            for key in list(self._times):
                kept = [t for t in self._times[key] if t > before]
                if kept:
                    self._times[key] = kept
                else:
                    del self._times[key]


@dataclass
class SignInLimiter:
    """SignInRules over SignInCounts: where the counts are shared, so is the limit (all server workers and
    every `endwatch login` on one database)."""

    rules: SignInRules = field(default_factory=SignInRules)
    clock: Callable[[], float] = time.time
    counts: SignInCounts = field(default_factory=MemorySignInCounts)
    _last_prune: float = 0.0

    def check(self, username: str, address: str | None = None) -> None:
        """Count an attempt (from `address`, when there is one); raise TooManyAttempts when either limit is
        reached, before the password is looked at."""
        now = self.clock()
        since = now - self.rules.window_seconds
        if address is not None:
            self.rules.check_attempts(self.counts.recent(address_key(address), since), now)
        self.rules.check_failures(self.counts.recent(username_key(username), since), now)
        if address is not None:
            self.counts.add(address_key(address), now)
        if now - self._last_prune > self.rules.window_seconds:
            # Attempts older than the window count for nothing: forget them, so the store stays small.
            self._last_prune = now
            self.counts.prune(since)

    def failed(self, username: str) -> None:
        """Count a failed sign-in for `username` (whatever its spelling: the canonical form counts)."""
        self.counts.add(username_key(username), self.clock())

    def succeeded(self, username: str) -> None:
        """A success forgets the username's failures."""
        self.counts.forget(username_key(username))
