"""Reading serial numbers from imperfect evidence: confusable folding and tiers of match.

A reading (what an analyst typed from a nameplate or photo) is compared with a stored serial in
two forms, both derived from the one serial key (domain/serials.py, `serial_key`):

- the key: label, case, separators, invisible characters, accents, width and script ignored; `?` kept,
  standing for one unreadable character. Equal keys are the *exact* tier, as they are the same item
  for uniqueness and trace;
- folded: the key with the ASCII characters readers confuse mapped to one representative
  (0/O/D/Q -> 0, 1/I/L -> 1, 2/Z -> 2, 5/S -> 5, 6/G -> 6, 8/B -> 8);
- the tier of a match, best first: exact, equivalent (same folded form), unreadable (equal where
  readable, `?` elsewhere), one edit (one character missing, extra or wrong, after folding).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from endwatch.domain.serials import UNREADABLE as UNREADABLE
from endwatch.domain.serials import serial_key

_FOLD = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "B": "8"})

# The characters a folded serial is made of (letters that fold away are absent): used to generate
# the one-edit neighbours and the expansions of `?`.
FOLDED_ALPHABET = "".join(sorted(set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".translate(_FOLD))))

# Below these lengths a near match says too little to be a candidate.
MIN_ONE_EDIT_LENGTH = 5
MIN_READABLE_FOR_UNREADABLE = 3
# `?` readings with at most this many unreadable characters are expanded into exact folded keys.
MAX_EXPANDED_UNREADABLE = 2


class Tier(StrEnum):
    """How well a reading matches a stored serial, best first."""

    EXACT = "exact"
    EQUIVALENT = "equivalent"
    UNREADABLE = "unreadable"
    ONE_EDIT = "one_edit"

    @property
    def rank(self) -> int:
        """0 for the best tier, higher for weaker evidence."""
        return list(Tier).index(self)


def fold(normalised: str) -> str:
    """The confusable-folded form of a normalised serial (`?` is left alone)."""
    return normalised.translate(_FOLD)


def serial_fold(serial: str) -> str:
    """The folded key stored with each delivered item: its serial key, then folded."""
    return fold(serial_key(serial))


def unreadable_count(reading: str) -> int:
    """How many characters of a normalised reading could not be read."""
    return reading.count(UNREADABLE)


def readable_count(reading: str) -> int:
    """How many characters of a normalised reading were read."""
    return len(reading) - unreadable_count(reading)


def is_one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by exactly one inserted, deleted or substituted character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def fits_unreadable(reading_folded: str, stored_folded: str) -> bool:
    """True when the stored serial has the reading's length and agrees wherever the reading is readable."""
    return len(reading_folded) == len(stored_folded) and all(
        r in (UNREADABLE, s) for r, s in zip(reading_folded, stored_folded, strict=True)
    )


def classify(reading: str, stored_serial: str) -> Tier | None:
    """The tier at which a reading's key matches a stored serial, or None.

    exact: the same serial key; equivalent: equal once folded; unreadable: equal where readable;
    one edit: one character missing, extra or wrong once folded (readings without `?` only).
    """
    stored = serial_key(stored_serial)
    if reading == stored:
        return Tier.EXACT
    r_fold, s_fold = fold(reading), fold(stored)
    if UNREADABLE in reading:
        if readable_count(reading) >= MIN_READABLE_FOR_UNREADABLE and fits_unreadable(r_fold, s_fold):
            return Tier.UNREADABLE
        return None
    if r_fold == s_fold:
        return Tier.EQUIVALENT
    if len(r_fold) >= MIN_ONE_EDIT_LENGTH and is_one_edit(r_fold, s_fold):
        return Tier.ONE_EDIT
    return None


def one_edit_variants(folded: str, alphabet: str = FOLDED_ALPHABET) -> set[str]:
    """Every string one deletion, substitution or insertion away from `folded` (not itself).

    These are the folded keys looked up for the one-edit tier; empty for readings too short to trust.
    """
    if len(folded) < MIN_ONE_EDIT_LENGTH or UNREADABLE in folded:
        return set()
    n = len(folded)
    # Set comprehensions rather than a loop of .add(): detection generates these for thousands of readings.
    out = {folded[:i] + folded[i + 1 :] for i in range(n)}
    out.update({folded[:i] + c + folded[i + 1 :] for i in range(n) for c in alphabet})
    out.update({folded[:i] + c + folded[i:] for i in range(n + 1) for c in alphabet})
    out.discard(folded)
    return out


def unreadable_expansions(folded: str, alphabet: str = FOLDED_ALPHABET) -> list[str] | None:
    """The folded keys a reading with `?` can stand for, or None when there are too many to list.

    None when more than MAX_EXPANDED_UNREADABLE characters are unreadable (then a LIKE pattern is
    used); an empty list when too little was read to be a candidate at all.
    """
    n = unreadable_count(folded)
    if n == 0:
        return [folded]
    if readable_count(folded) < MIN_READABLE_FOR_UNREADABLE:
        return []
    if n > MAX_EXPANDED_UNREADABLE:
        return None
    keys = [""]
    for ch in folded:
        keys = [k + c for k in keys for c in (alphabet if ch == UNREADABLE else ch)]
    return keys


def like_pattern(folded: str, escape: str = "\\") -> str:
    """A SQL LIKE pattern for a folded reading: `?` becomes `_`, LIKE's own wildcards are escaped."""
    out = []
    for ch in folded:
        if ch in ("%", "_", escape):
            out.append(escape + ch)
        elif ch == UNREADABLE:
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


def best_tier(tiers: Iterable[Tier]) -> Tier | None:
    """The best of the given tiers, or None when there are none."""
    ranked = sorted(tiers, key=lambda t: t.rank)
    return ranked[0] if ranked else None
