"""Matching readings to delivered items: a sighting's serial, manufacturer and model read against the registry,
candidates looked up for a whole batch at once through the folded-serial index, the best tier kept."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from endwatch.domain.matching import (
    UNREADABLE,
    Tier,
    classify,
    fold,
    like_pattern,
    one_edit_variants,
    unreadable_expansions,
)
from endwatch.domain.serials import serial_key
from endwatch.domain.sightings import Sighting
from endwatch.services.detection.store import Candidate
from endwatch.services.detection.world import World
from endwatch.services.uow import UnitOfWork


@dataclass
class Reading:
    """One sighting's reading, with what narrowing the manufacturer and model text gave."""

    sighting: Sighting
    norm: str
    maker_ids: set[str] | None  # None: any manufacturer
    product_ids: set[str] | None  # None: any product of those manufacturers
    notes: list[str]
    stop: str | None = None  # why nothing can match, when known before looking


def read(world: World, s: Sighting) -> Reading:
    """Normalise the serial and resolve the manufacturer and model text."""
    reading = read_serial(s)
    if reading.stop is None:
        read_names(world, reading)
    return reading


def read_serial(s: Sighting) -> Reading:
    """The serial normalised, the manufacturer and model text not yet read (needs no registry facts)."""
    reading = Reading(s, serial_key(s.serial), None, None, [])
    if not reading.norm.strip(UNREADABLE):
        reading.stop = f"The serial as read ({s.serial!r}) has no readable character."
    return reading


def names_given(s: Sighting) -> bool:
    """Whether the reading has manufacturer or model text to resolve against the registry."""
    return bool(s.manufacturer.strip() or s.model.strip())


def read_names(world: World, reading: Reading) -> None:
    """Resolve the reading's manufacturer and model text (narrowing, notes, or why nothing can match)."""
    s = reading.sighting
    if s.manufacturer.strip():
        ids, exact = world.all_parties.lookup(s.manufacturer)
        if not ids:
            ids, exact = world.makers.lookup(s.manufacturer)
        if not ids:
            reading.stop = (f"The manufacturer {s.manufacturer!r} names no known party: serial numbers belong to"
                            " their maker, so no item can be matched.")
            return
        reading.maker_ids = world.makers_within(ids)
        how = "" if exact else " (tolerating a small spelling difference)"
        reading.notes.append(f"The manufacturer {s.manufacturer!r} was read as"
                             f" {', '.join(world.label(i) for i in ids)}{how}.")
    if s.model.strip():
        ids, exact = world.product_index_for(reading.maker_ids).lookup(s.model)
        if not ids:
            of = " of that manufacturer" if reading.maker_ids is not None else ""
            reading.stop = f"The model {s.model!r} names no known product{of}, so no item can be matched."
            return
        reading.product_ids = set(ids)
        how = "" if exact else " (tolerating a small spelling difference)"
        reading.notes.append(f"The model {s.model!r} was read as product {', '.join(ids)}{how}.")


def _admissible(reading: Reading, c: Candidate) -> bool:
    if reading.maker_ids is not None and c.manufacturer_id not in reading.maker_ids:
        return False
    return reading.product_ids is None or c.product_id in reading.product_ids


def best(reading: Reading, found: Sequence[Candidate]) -> tuple[Tier | None, list[Candidate]]:
    """The candidates at the best tier, each item once."""
    tiers: dict[int, tuple[Tier, Candidate]] = {}
    for c in found:
        if c.delivery_id in tiers or not _admissible(reading, c):
            continue
        tier = classify(reading.norm, c.serial)
        if tier is not None:
            tiers[c.delivery_id] = (tier, c)
    if not tiers:
        return None, []
    top = min((t for t, _ in tiers.values()), key=lambda t: t.rank)
    chosen = sorted((c for t, c in tiers.values() if t is top), key=lambda c: (c.manufacturer_id, c.serial))
    return top, chosen


def _group(cands: Sequence[Candidate]) -> dict[str, list[Candidate]]:
    by_fold: dict[str, list[Candidate]] = defaultdict(list)
    for c in cands:
        by_fold[c.serial_fold].append(c)
    return by_fold


def match_batch(uow: UnitOfWork, readings: Sequence[Reading],
                folds: set[str] | None = None) -> dict[str, tuple[Tier | None, list[Candidate]]]:
    """Candidates at the best tier for each reading, looked up for the whole batch at once, tier by tier.

    `folds`, when given, is every stored serial_fold: generated keys absent from it are not looked up.
    """
    out: dict[str, tuple[Tier | None, list[Candidate]]] = {}
    live = [r for r in readings if r.stop is None]
    # Exact and equivalent characters: one IN list of folded keys.
    plain = [r for r in live if UNREADABLE not in r.norm]
    by_fold = _group(uow.detection.candidates_by_fold({fold(r.norm) for r in plain}))
    for r in plain:
        out[r.sighting.id] = best(r, by_fold.get(fold(r.norm), []))
    # Unreadable characters: the few keys a `?` can stand for (one lookup for the batch), or a LIKE
    # pattern when there are many.
    blurred = [r for r in live if UNREADABLE in r.norm]
    expansions = {r.sighting.id: unreadable_expansions(fold(r.norm)) for r in blurred}
    listed = {k for keys in expansions.values() if keys for k in keys}
    if folds is not None:
        listed &= folds
    by_expansion = _group(uow.detection.candidates_by_fold(listed)) if listed else {}
    for r in blurred:
        keys = expansions[r.sighting.id]
        if keys is None:
            found = uow.detection.candidates_like(like_pattern(fold(r.norm)))
        else:
            found = [c for k in keys for c in by_expansion.get(k, [])]
        out[r.sighting.id] = best(r, found)
    # One edit: every key one character away, for readings that found nothing better.
    missing = [r for r in plain if not out[r.sighting.id][1]]
    variants = {r.sighting.id: one_edit_variants(fold(r.norm)) for r in missing}
    wanted: set[str] = set().union(*variants.values()) if variants else set()
    if folds is not None:
        wanted &= folds
    near = _group(uow.detection.candidates_by_fold(wanted)) if wanted else {}
    for r in missing:
        # `near` holds only the keys found (few); iterating it beats probing hundreds of variants.
        found = [c for v in variants[r.sighting.id].intersection(near) for c in near[v]]
        out[r.sighting.id] = best(r, found)
    return out


@dataclass(frozen=True)
class MatchOutcome:
    """The candidates at the best tier for one reading, with how the names were read (or why none can match)."""

    tier: Tier | None
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]


class Matcher:
    """Matches readings one at a time inside an open unit of work, reading only what each reading needs.

    A serial alone reads only the delivered items near it (a few indexed lookups, whatever the registry's size).
    Manufacturer and model text is resolved through the stored name keys and the parties and products of the items
    near the serial (near_names), never by loading every party and product. Used by trace's near candidates,
    search and the benchmark.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def match(self, serial: str, manufacturer: str = "", model: str = "") -> MatchOutcome:
        """The candidates at the best tier for one reading of a serial, with its manufacturer and model."""
        # Here, not at the top: near_names builds on this module's Reading and best.
        from endwatch.services.detection.near_names import best_in, pool, read_names_near

        s = Sighting("-", date.min, serial, "F", "6", manufacturer=manufacturer, model=model)
        reading = read_serial(s)
        tier: Tier | None
        cands: list[Candidate]
        if reading.stop is not None:
            tier, cands = None, []
        elif names_given(s):
            found = pool(self.uow, reading)
            read_names_near(self.uow, reading, found)
            tier, cands = (None, []) if reading.stop is not None else best_in(reading, found)
        else:
            tier, cands = match_batch(self.uow, [reading]).get("-", (None, []))
        notes = (*reading.notes, reading.stop) if reading.stop else tuple(reading.notes)
        return MatchOutcome(tier, tuple(cands), notes)
