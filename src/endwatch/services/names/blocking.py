"""Blocking keys: which pairs of names are worth comparing at all. Two names are compared only when they
share a key — a distinctive word, a word's sound or first letters, the sound of the whole name run
together, or an acronym — so screening grows with the hits, not with parties times entities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from rigour.text.phonetics import metaphone

from endwatch.services.names.forms import GENERIC_WORDS, FoldedName

K = TypeVar("K", bound=Hashable)


def block_keys(name: FoldedName) -> set[str]:
    """The keys of a folded name. Generic words ("systems") give keys only when a name has nothing else."""
    distinctive = [t for t in name.tokens if t not in GENERIC_WORDS] or list(name.tokens)
    keys: set[str] = set()
    for t in distinctive:
        keys.add("t:" + t)
        if len(t) >= 4 and not t.isdigit():
            keys.add("m:" + metaphone(t))
        if len(t) >= 5:
            keys.add("p:" + t[:4])
        if len(t) == 1 and name.person:
            keys.add("i:" + t)
    if name.phonetic:
        keys.add("c:" + name.phonetic)
    if name.acronym:
        keys.add("a:" + name.acronym)
    if len(name.tokens) == 1 and 2 <= len(name.compact) <= 6:
        keys.add("a:" + name.compact)
    return keys


class BlockIndex(Generic[K]):
    """Owners (entities, parties) by the blocking keys of their names."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[K]] = defaultdict(set)

    def add(self, owner: K, names: Iterable[FoldedName]) -> None:
        """Index an owner under the keys of all its names."""
        for n in names:
            for key in block_keys(n):
                self.by_key[key].add(owner)

    def candidates(self, names: Iterable[FoldedName]) -> set[K]:
        """Owners sharing at least one key with any of these names."""
        found: set[K] = set()
        for n in names:
            for key in block_keys(n):
                found |= self.by_key.get(key, set())
        return found
