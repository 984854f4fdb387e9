"""How many sign-in attempts are allowed: one set of rules for the web's sign-in form and `endwatch login`.

- At most `per_username` failed sign-ins for one username within `window_seconds`; then every attempt for
  it is refused (TooManyAttempts, with the seconds to wait) until the oldest failure leaves the window.
  Unknown usernames are counted alike, so the answer never says whether an account exists.
- At most `per_address` attempts (failed or not) from one client address in the same window: the web's
  only, since the command line has no client address.
- A username is counted by its canonical form (trimmed, NFKC, case-folded), the form sign-in looks it up
  by, so " Auditor" and "auditor" share one count.

The web keeps its counts in the server process (SignInLimiter); the command line keeps them in the
database (services/accounts/signin.py), since each `endwatch login` is a process of its own.
"""

from __future__ import annotations

import time
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from endwatch.errors import TooManyAttempts


def canonical_username(text: str) -> str:
    """The one form of a username for sign-in, throttling and storage: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text.strip()).casefold()


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


@dataclass
class SignInLimiter:
    """SignInRules over counts kept in this process (the web server's; each server worker has its own)."""

    rules: SignInRules = field(default_factory=SignInRules)
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _attempts: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def _prune(self, q: deque[float], now: float) -> None:
        while q and q[0] <= now - self.rules.window_seconds:
            q.popleft()

    def check(self, username: str, address: str) -> None:
        """Count an attempt; raise TooManyAttempts when either limit is reached."""
        now = self.clock()
        key = canonical_username(username)
        failures, attempts = self._failures[key], self._attempts[address]
        self._prune(failures, now)
        self._prune(attempts, now)
        self.rules.check_attempts(attempts, now)
        self.rules.check_failures(failures, now)
        attempts.append(now)
        if not failures:  # keep memory bounded by recent activity, not by every name ever tried
            self._failures.pop(key, None)
        if len(self._attempts) > 10_000:
            cutoff = now - self.rules.window_seconds
            for stale in [k for k, q in self._attempts.items() if not q or q[-1] <= cutoff]:
                del self._attempts[stale]

    def failed(self, username: str) -> None:
        self._failures[canonical_username(username)].append(self.clock())

    def succeeded(self, username: str) -> None:
        self._failures.pop(canonical_username(username), None)
