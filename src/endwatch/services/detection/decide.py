"""Deciding sightings: each reading's candidates turned into a finding (unmatched, ambiguous, or the verdict on
the one item matched), batch by batch, in the task a run gives to its workers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from endwatch.domain.matching import (
    MIN_ONE_EDIT_LENGTH,
    MIN_READABLE_FOR_UNREADABLE,
    UNREADABLE,
    Tier,
    readable_count,
)
from endwatch.domain.serials import serial_key
from endwatch.domain.sightings import Sighting
from endwatch.domain.verdicts import Decision, MatchedItem, Observation, Recipient, Verdict, decide, grading_text
from endwatch.services.detection.matching import Reading, match_batch, read
from endwatch.services.detection.store import Candidate, Finding
from endwatch.services.detection.world import Shared, World
from endwatch.services.uow import UnitOfWork

# Sightings matched and decided together (one round of candidate lookups).
BATCH = 500


def reading_limits(norm: str) -> tuple[str, ...]:
    """Why a short or badly blurred reading was not searched at the weaker tiers."""
    if UNREADABLE in norm and readable_count(norm) < MIN_READABLE_FOR_UNREADABLE:
        return (f"Only {readable_count(norm)} character(s) are legible: at least {MIN_READABLE_FOR_UNREADABLE}"
                " are needed before unreadable characters are matched.",)
    if UNREADABLE not in norm and len(norm) < MIN_ONE_EDIT_LENGTH:
        return (f"The reading is shorter than {MIN_ONE_EDIT_LENGTH} characters, too short for a match with one"
                " character missing, extra or wrong to mean anything.",)
    return ()


def candidate_dict(c: Candidate, tier: Tier | None = None) -> dict[str, Any]:
    """A candidate item's facts as a finding or a result shows them (with its tier when given)."""
    d: dict[str, Any] = {
        "serial": c.serial, "product_id": c.product_id, "manufacturer_id": c.manufacturer_id,
        "permit_number": c.permit_number, "delivered_on": c.delivered_on.isoformat(),
        "end_user_id": c.end_user_id, "destination": c.destination,
    }
    if tier is not None:
        d["tier"] = tier.value
    return d


def _observation(world: World, s: Sighting) -> tuple[Observation, list[str]]:
    notes: list[str] = []
    ids: tuple[str, ...] = ()
    if s.observed_user.strip():
        ids, exact = world.all_parties.lookup(s.observed_user)
        if ids and not exact:
            notes.append(f"The observed user {s.observed_user!r} was read as"
                         f" {', '.join(world.label(i) for i in ids)} (tolerating a small spelling difference).")
    return Observation(s.observed_on, s.country, s.observed_user, ids, s.reliability, s.credibility), notes


def decide_one(world: World, reading: Reading, tier: Tier | None, cands: list[Candidate],
               decided_at: str) -> Finding:
    """The finding on one reading from the candidates at its best tier: unmatched, ambiguous, or the verdict
    on the one item matched."""
    s = reading.sighting
    obs, user_notes = _observation(world, s)
    user_id = obs.user_ids[0] if len(obs.user_ids) == 1 else None
    base: dict[str, Any] = {"sighting_id": s.id, "observed_on": s.observed_on, "decided_at": decided_at,
            "observed_user_id": user_id, "observed_country": s.country}
    grading = f"Source graded {grading_text(s.reliability, s.credibility)}."
    if reading.stop is not None or not cands:
        why = reading.stop or (f"No delivered item's serial matches the reading {reading.norm!r}"
                               " exactly, with easily confused characters, where legible, or within one character"
                               + (" among that manufacturer's or model's items." if reading.maker_ids is not None
                                  or reading.product_ids is not None else "."))
        limits = reading_limits(reading.norm) if reading.stop is None else ()
        return Finding(verdict=Verdict.UNMATCHED.value, reasons=(*reading.notes, why, *limits, grading), **base)
    assert tier is not None
    if len(cands) > 1:
        listed = "; ".join(f"{c.serial} ({c.manufacturer_id}, {c.product_id}, permit {c.permit_number})"
                           for c in cands)
        why = (f"{len(cands)} delivered items match the reading {reading.norm!r} equally well (tier {tier.value}):"
               f" {listed}. None is picked; the reading, the manufacturer or the model must be checked.")
        return Finding(verdict=Verdict.AMBIGUOUS.value, tier=tier.value, reasons=(*reading.notes, why, grading),
                       candidates=tuple(candidate_dict(c, tier) for c in cands), **base)
    c = cands[0]
    item = MatchedItem(c.serial, c.delivered_on, c.permit_number, c.product_id, c.end_user_id, c.destination, tier)
    norm = serial_key(c.serial)
    recipients = [
        Recipient(r.to_party_id, world.country_of.get(r.to_party_id), r.authorized_on, r.reference)
        for r in world.retransfers.get(c.permit_number, []) if r.serial is None or serial_key(r.serial) == norm
    ]
    decision: Decision = decide(obs, item, recipients, world.parent_of, world.names)
    return Finding(
        verdict=decision.verdict.value, confidence=decision.confidence.value if decision.confidence else None,
        tier=tier.value, delivery_id=c.delivery_id, permit_number=c.permit_number, product_id=c.product_id,
        serial=c.serial, reasons=(*reading.notes, *user_notes, *decision.reasons), **base)


def _batches(items: Sequence[Sighting], size: int) -> Iterator[Sequence[Sighting]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


Decided = tuple[list[Finding], list[Candidate]]  # findings, and the single items they matched


def decide_batch(uow: UnitOfWork, world: World, batch: Sequence[Sighting], folds: set[str] | None,
                 decided_at: str) -> Decided:
    """The findings on a batch of sightings, and the single items they matched."""
    readings = [read(world, s) for s in batch]
    matched = match_batch(uow, readings, folds)
    decided = [decide_one(world, r, *matched.get(r.sighting.id, (None, [])), decided_at) for r in readings]
    return decided, [cands[0] for _, cands in matched.values() if len(cands) == 1]


def decide_task(shared: Shared, bounds: tuple[int, int]) -> Decided:
    """One task of a run, wherever it runs: decide shared.todo[bounds] in batches, on a reader of its own."""
    findings: list[Finding] = []
    items: list[Candidate] = []
    with shared.reader() as uow:
        world = shared.world
        world.uow = uow  # in a worker process, the run's own unit of work is never used
        for batch in _batches(shared.todo[bounds[0] : bounds[1]], BATCH):
            f, c = decide_batch(uow, world, batch, shared.folds, shared.decided_at)
            findings.extend(f)
            items.extend(c)
    return findings, items
