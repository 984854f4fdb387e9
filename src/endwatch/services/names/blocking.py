"""Blocking keys: which pairs of names are worth comparing at all. Two names are compared only when they
share a key, so screening grows with the near matches, not with parties times entities.

The keys follow what names/compare.py can match, and no more:
- a distinctive word, and every form of it with one letter left out (two letters for words of 8 letters or
  more): two words within the typing errors compare.py allows share one of these (a symmetric deletion
  neighbourhood), while words that merely begin alike do not;
- a word's sound with its first letter (compare.py's "same sound" needs both);
- the sound of the whole name run together, and its first six letters (a spelling variant of the whole
  name, even when it is split into words differently);
- an acronym, and a short one-word name that may be one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Generic, TypeVar

from endwatch.services.names.forms import GENERIC_WORDS, FoldedName, Word

K = TypeVar("K", bound=Hashable)
SHORT = 4  # words this long or shorter match only exactly (compare.SHORT)
LONG = 8  # words this long or longer may be two typing errors away (compare.word_similarity)


@lru_cache(maxsize=500_000)
def _deletions(text: str) -> frozenset[str]:
    """The word and every form with one letter left out (two for long words)."""
    out = {text}
    out.update(text[:i] + text[i + 1:] for i in range(len(text)))
    return frozenset(out)


def _word_keys(w: Word, person: bool) -> Iterable[str]:
    yield "t:" + w.text
    if w.length >= SHORT and not w.digit:
        yield from ("d:" + d for d in _deletions(w.text))
        if w.length >= LONG and w.person_weight == 1.0:  # a patronymic's ending is everyone's
            yield "p:" + w.text[:5]
            yield "q:" + w.text[0] + w.text[-5:]
    if w.sound is not None:
        yield "m:" + w.text[0] + w.sound
    if w.length == 1 and person:
        yield "i:" + w.text


def block_keys(name: FoldedName) -> frozenset[str]:
    """The keys of a folded name. Generic words ("systems") give keys only when a name has nothing else."""
    distinctive = [w for w in name.words if w.text not in GENERIC_WORDS] or list(name.words)
    keys: set[str] = set()
    for w in distinctive:
        keys.update(_word_keys(w, name.person))
    if name.phonetic:
        keys.add("c:" + name.phonetic)
    if len(name.compact) >= LONG:
        keys.add("w:" + name.compact[:6])
    if name.acronym:
        keys.add("a:" + name.acronym)
    if len(name.tokens) == 1 and 2 <= len(name.compact) <= 6:
        keys.add("a:" + name.compact)
    return frozenset(keys)


class BlockIndex(Generic[K]):
    """The names of owners (entities, parties) by their blocking keys."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[tuple[K, int]]] = {}

    def add(self, owner: K, names: Sequence[FoldedName]) -> None:
        """Index an owner's names (by their position in `names`) under their keys."""
        by_key = self.by_key
        for position, n in enumerate(names):
            for key in block_keys(n):
                found = by_key.get(key)
                if found is None:
                    by_key[key] = [(owner, position)]
                else:
                    found.append((owner, position))

    def candidates(self, names: Sequence[FoldedName]) -> dict[K, set[tuple[int, int]]]:
        """Owners with a name sharing a key with one of these names, and which pairs of names share one:
        (position of the indexed owner's name, position in `names`)."""
        found: dict[K, set[tuple[int, int]]] = {}
        by_key = self.by_key
        for position, n in enumerate(names):
            for key in block_keys(n):
                for owner, theirs in by_key.get(key, ()):
                    pairs = found.get(owner)
                    if pairs is None:
                        found[owner] = {(theirs, position)}
                    else:
                        pairs.add((theirs, position))
        return found
