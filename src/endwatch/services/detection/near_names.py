"""One reading's manufacturer and model text resolved without loading the registry: the text looked up by its
stored name keys in SQL, and only the parties and products that the text or the items near the serial name read.

Detection's `World` (a whole run's facts) resolves the same text against every party and product. Here the exact
answers are the same: a name, alias or former name, a model or alias, equal once normalised (the keys stored in
party_names and products), a maker's sub-units counting as the maker. Where the text names nothing exactly, the
tolerant lookup (a small spelling difference, or a legal form typed differently: "Wescam" for "Wescam Inc") reads
only the makers of the items near the serial, with their parent parties, and those items' products: the nearest
spelling among them, where the World took the nearest in the whole registry. So a text one letter from a party
that made none of these items and two from one that did admits the latter's items here; the World ruled them out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from endwatch.domain.matching import UNREADABLE, Tier, fold, like_pattern, one_edit_variants, unreadable_expansions
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party
from endwatch.services.detection.matching import Reading, best
from endwatch.services.detection.resolution import party_index, product_index
from endwatch.services.detection.store import Candidate
from endwatch.services.uow import UnitOfWork


def pool(uow: UnitOfWork, reading: Reading) -> list[Candidate]:
    """Every item the reading can match at any tier (what match_batch looks up for it), in one statement."""
    key = fold(reading.norm)
    if UNREADABLE in reading.norm:
        keys = unreadable_expansions(key)
        if keys is None:
            return uow.detection.candidates_like(like_pattern(key))
        return uow.detection.candidates_by_fold(keys) if keys else []
    return uow.detection.candidates_by_fold({key} | one_edit_variants(key))


def best_in(reading: Reading, found: Sequence[Candidate]) -> tuple[Tier | None, list[Candidate]]:
    """The candidates at the best tier among `found` (the reading's pool), tier by tier as match_batch chooses."""
    if UNREADABLE in reading.norm:
        return best(reading, found)
    key = fold(reading.norm)
    tier, chosen = best(reading, [c for c in found if c.serial_fold == key])
    if chosen:
        return tier, chosen
    variants = one_edit_variants(key)
    return best(reading, [c for c in found if c.serial_fold in variants])


def _lineage(uow: UnitOfWork, ids: Collection[str]) -> dict[str, Party]:
    """The parties `ids` and every party above them, a statement or two per level of the hierarchy."""
    loaded: dict[str, Party] = {}
    wanted = set(ids)
    while wanted:
        found = uow.parties.get_many(wanted)
        loaded.update(found)
        wanted = {p.parent_id for p in found.values() if p.parent_id and p.parent_id not in loaded}
    return loaded


def _above(pid: str, parties: dict[str, Party]) -> set[str]:
    """The party and every party above it among `parties`."""
    seen: set[str] = set()
    at: str | None = pid
    while at is not None and at not in seen:
        seen.add(at)
        party = parties.get(at)
        at = party.parent_id if party is not None else None
    return seen


def read_names_near(uow: UnitOfWork, reading: Reading, found: Sequence[Candidate]) -> None:
    """Resolve the reading's manufacturer and model text as matching.read_names does, reading only the parties and
    products that the text names exactly or that the items `found` (the reading's pool) name."""
    s = reading.sighting
    maker_text, model_text = s.manufacturer.strip(), s.model.strip()
    maker_key, model_key = normalise_name(s.manufacturer), normalise_name(s.model)
    named: set[str] = set()
    by_model: dict[str, str] = {}
    if maker_text and maker_key and model_text and model_key:
        named, by_model = uow.deliveries.makers_and_models(maker_key, model_key)
    elif maker_text and maker_key:
        named = uow.parties.ids_by_name_key(maker_key)
    elif model_text and model_key:
        by_model = uow.products.makers_by_model_key(model_key)
    parties = _lineage(uow, {c.manufacturer_id for c in found} | named | set(by_model.values()))
    if maker_text:
        near_makers = {a for c in found for a in _above(c.manufacturer_id, parties)}
        ids, exact = party_index(parties[i] for i in sorted(near_makers)).lookup(s.manufacturer)
        if named:
            ids, exact = tuple(sorted(named | (set(ids) if exact else set()))), True
        if not ids:
            reading.stop = (f"The manufacturer {s.manufacturer!r} names no known party (none by name, nor near the"
                            " name of a maker of an item with a serial like this one): serial numbers belong to their"
                            " maker, so no item can be matched.")
            return
        reading.maker_ids = {p for p in parties if _above(p, parties) & set(ids)}
        how = "" if exact else " (tolerating a small spelling difference)"
        labels = ", ".join(f"{parties[i].name if i in parties else i} ({i})" for i in ids)
        reading.notes.append(f"The manufacturer {s.manufacturer!r} was read as {labels}{how}.")
    if model_text:
        makers = reading.maker_ids
        exact_ids = {pid for pid, maker in by_model.items() if makers is None or maker in makers}
        if exact_ids:
            product_ids, exact = tuple(sorted(exact_ids)), True
        else:
            near = uow.products.get_many({c.product_id for c in found if makers is None or c.manufacturer_id in makers})
            product_ids, exact = product_index(near[i] for i in sorted(near)).lookup(s.model)
        if not product_ids:
            of = " of that manufacturer" if makers is not None else ""
            reading.stop = (f"The model {s.model!r} names no known product{of} (none by model, nor near the model of"
                            " an item with a serial like this one), so no item can be matched.")
            return
        reading.product_ids = set(product_ids)
        how = "" if exact else " (tolerating a small spelling difference)"
        reading.notes.append(f"The model {s.model!r} was read as product {', '.join(product_ids)}{how}.")
