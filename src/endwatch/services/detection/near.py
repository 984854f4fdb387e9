"""Near candidates for a serial that trace does not find exactly: the one answer the web page, the API
and `endwatch trace` all give, from detection's own matching (never a guess of one item)."""

from __future__ import annotations

from dataclasses import dataclass

from endwatch.domain.matching import Tier
from endwatch.services.detection.matching import Matcher
from endwatch.services.detection.store import Candidate
from endwatch.services.uow import UnitOfWork

# Each tier in the words an officer reads, and why a reading fits a stored serial at that tier.
TIER_WORDS: dict[Tier, tuple[str, str]] = {
    Tier.EXACT: ("exact", "the same serial"),
    Tier.EQUIVALENT: ("look-alike characters",
                      "the same once characters that look alike on a nameplate (such as 0 and O, 1 and I)"
                      " are read as one"),
    Tier.UNREADABLE: ("unreadable characters",
                      "the same except for the characters the reading marks as unreadable (?)"),
    Tier.ONE_EDIT: ("one character different",
                    "one character differs, is missing or is extra: a misreading is possible"),
}


@dataclass(frozen=True)
class Near:
    """The delivered items at the best tier below exact, with the tier in words and why they fit.

    `ambiguous` is true when more than one item fits equally: none of them is chosen.
    """

    tier: Tier | None
    tier_words: str
    reason: str
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def near_candidates(uow: UnitOfWork, serial: str, manufacturer: str = "", model: str = "") -> Near:
    """Detection's candidates for one reading; an exact tier yields no near candidates (trace shows those)."""
    outcome = Matcher(uow).match(serial, manufacturer, model)
    if outcome.tier is None or outcome.tier is Tier.EXACT:
        return Near(None, "", "", (), outcome.notes)
    words, reason = TIER_WORDS[outcome.tier]
    if len(outcome.candidates) > 1:
        reason += f"; {len(outcome.candidates)} items fit equally, so none is chosen"
    return Near(outcome.tier, words, reason, outcome.candidates, outcome.notes)
