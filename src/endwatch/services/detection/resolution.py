"""Resolving names as read in the field (manufacturer, model, observed user) to registry records.

Exact first (names, aliases and former names, normalised), then tolerant of small typing errors
with rapidfuzz: a name within a small edit distance of the text. Several equally close names give
several candidates; the caller never has one picked for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party
from endwatch.domain.products import Product
from endwatch.services.names.forms import name_key


def allowed_distance(key: str) -> int:
    """How many typing errors a normalised name of this length tolerates (0 below 4 characters)."""
    if len(key) < 4:
        return 0
    return 1 if len(key) < 10 else 2


class NameIndex:
    """Normalised names to the ids they belong to, with exact and tolerant lookups (results cached).
    `key` folds a name: the one name module's `name_key` for parties and makers (legal forms, "&"/"and",
    script set aside), `normalise_name` for product models (where "SA 80" is no legal form)."""

    def __init__(self, names: Iterable[tuple[str, str]], key: Callable[[str], str] = normalise_name) -> None:
        self.key = key
        by_key: dict[str, set[str]] = defaultdict(set)
        for owner, name in names:
            folded = self.key(name)
            if folded:
                by_key[folded].add(owner)
        self.by_key = dict(by_key)
        self.keys = list(self.by_key)
        self._cache: dict[str, tuple[tuple[str, ...], bool]] = {}
        self._by_text: dict[str, tuple[tuple[str, ...], bool]] = {}  # the same text recurs across sightings

    def lookup(self, text: str) -> tuple[tuple[str, ...], bool]:
        """(ids, exact): the ids whose name equals the text once normalised, else those nearest
        within the allowed distance (exact False); no ids when nothing is close enough."""
        if text in self._by_text:
            return self._by_text[text]
        key = self.key(text)
        if key in self._cache:
            self._by_text[text] = self._cache[key]
            return self._cache[key]
        if not key:
            found: tuple[tuple[str, ...], bool] = ((), True)
        elif key in self.by_key:
            found = (tuple(sorted(self.by_key[key])), True)
        else:
            limit = allowed_distance(key)
            hits = process.extract(key, self.keys, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
            if not hits or limit == 0:
                found = ((), False)
            else:
                best = min(h[1] for h in hits)
                ids = {i for h in hits if h[1] == best for i in self.by_key[h[0]]}
                found = (tuple(sorted(ids)), False)
        self._cache[key] = self._by_text[text] = found
        return found


def party_index(parties: Iterable[Party]) -> NameIndex:
    """An index of parties by name, alias and former name: a maker typed without its legal form, or with
    "and" for "&", resolves ("Wescam Inc", "L3 and Wescam")."""
    return NameIndex(((p.id, n) for p in parties for n in p.all_names()), name_key)


def product_index(products: Iterable[Product]) -> NameIndex:
    """An index of products by model and alias."""
    return NameIndex((p.id, n) for p in products for n in (p.model, *p.aliases))


def with_sub_units(ids: Iterable[str], parent_of: Mapping[str, str | None]) -> set[str]:
    """The parties and every party below them in the hierarchy (a maker's divisions make its goods)."""
    wanted = set(ids)
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in parent_of.items():
        if parent is not None:
            children[parent].append(child)
    stack = list(wanted)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in wanted:
                wanted.add(child)
                stack.append(child)
    return wanted
