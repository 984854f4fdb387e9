"""Detection: every undecided sighting matched to delivered items, decided, and stored as a finding.

One run is one transaction. Sightings are processed in batches; each batch looks candidates up
through the index on deliveries.serial_fold (IN lists of folded keys), never by scanning items.
A finding, once stored, is never changed by a later run: re-running decides only new sightings.
Each diversion opens a case, or joins the open case for the same consignee and observed user, and
stores the case's recommended actions (computed as of the observation date, so that the same
evidence always calls for the same actions).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from endwatch.domain.cases import ActionKind, recommend_for_diversions
from endwatch.domain.deliveries import Retransfer
from endwatch.domain.matching import (
    MIN_ONE_EDIT_LENGTH,
    MIN_READABLE_FOR_UNREADABLE,
    UNREADABLE,
    Tier,
    classify,
    fold,
    like_pattern,
    normalise_marking,
    normalise_reading,
    one_edit_variants,
    readable_count,
    unreadable_expansions,
)
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, Permit
from endwatch.domain.products import Product
from endwatch.domain.sightings import Sighting
from endwatch.domain.verdicts import Decision, MatchedItem, Observation, Recipient, Verdict, decide, grading_text
from endwatch.services.assessment.reassessment import reassess_in
from endwatch.services.audit.trail import Plain, record, snapshot
from endwatch.services.casefiles.store import CaseRecord
from endwatch.services.detection_store import Candidate, Finding
from endwatch.services.resolution import NameIndex, party_index, product_index, with_sub_units
from endwatch.services.uow import UnitOfWork

BATCH = 500
# From this many sightings in one run, the folded serials are loaded once so that generated keys (one
# edit, unreadable characters) are probed in the database only when some item has them.
PREFILTER_MIN_SIGHTINGS = 5000
# From this many sightings, and when the caller can give readers for child processes, sightings are
# matched and decided by forked worker processes (one per CPU, at most MAX_WORKERS), PARALLEL_TASK at a time.
PARALLEL_MIN_SIGHTINGS = 20_000
PARALLEL_TASK = 2_000
MAX_WORKERS = 8


@dataclass(frozen=True)
class DetectionResult:
    """A sighting's finding, with the matched item's facts and the case it joined (if any)."""

    finding: Finding
    match: dict[str, Any] | None
    case_id: str | None
    decided_now: bool


@dataclass
class DetectionRun:
    """What a run did: the results in scope and how many sightings it decided."""

    results: list[DetectionResult]
    decided: int
    by_verdict: dict[str, int] = field(default_factory=dict)
    cases_opened: list[str] = field(default_factory=list)
    watch_added: list[str] = field(default_factory=list)  # "kind key: before -> after", from re-assessment


@dataclass
class _Reading:
    """One sighting's reading, with what narrowing the manufacturer and model text gave."""

    sighting: Sighting
    norm: str
    maker_ids: set[str] | None  # None: any manufacturer
    product_ids: set[str] | None  # None: any product of those manufacturers
    notes: list[str]
    stop: str | None = None  # why nothing can match, when known before looking


class _World:
    """The registry facts a run needs, loaded once: parties, products, indexes, re-transfers."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.parties: dict[str, Party] = {p.id: p for p in uow.parties.list()}
        self.products: dict[str, Product] = {p.id: p for p in uow.products.list()}
        self.parent_of = {pid: p.parent_id for pid, p in self.parties.items()}
        self.country_of = {pid: p.country for pid, p in self.parties.items()}
        self.names = {pid: p.name for pid, p in self.parties.items()}
        self.all_parties = party_index(self.parties.values())
        makers = {p.manufacturer_id for p in self.products.values()}
        self.makers = party_index(p for p in self.parties.values() if p.id in makers)
        self.categories = {pid: p.categories for pid, p in self.products.items()}
        self.retransfers: dict[str, list[Retransfer]] = defaultdict(list)
        for r in uow.deliveries.all_retransfers():
            self.retransfers[r.permit_number].append(r)
        self._permits: dict[str, Permit] | None = None
        self._applications: list[Application] | None = None
        self._by_route: dict[tuple[str, str], list[Permit]] | None = None
        self._within: dict[tuple[str, ...], set[str]] = {}
        self._product_index: dict[frozenset[str] | None, NameIndex] = {}

    def permits(self) -> dict[str, Permit]:
        if self._permits is None:
            self._permits = {p.number: p for p in self.uow.permits.list()}
        return self._permits

    def pending_applications(self) -> list[Application]:
        if self._applications is None:
            self._applications = [a for a in self.uow.applications.list() if a.status.pending]
        return self._applications

    def related_permits(self, diverted: Sequence[Permit]) -> list[Permit]:
        """Permits with the consignee or the destination of one of `diverted` (the only ones an action can name)."""
        if self._by_route is None:
            self._by_route = defaultdict(list)
            for p in self.permits().values():
                self._by_route[("c", p.consignee_id)].append(p)
                self._by_route[("d", p.destination)].append(p)
        keys = {("c", p.consignee_id) for p in diverted} | {("d", p.destination) for p in diverted}
        return list({p.number: p for key in keys for p in self._by_route[key]}.values())

    def product_index_for(self, maker_ids: set[str] | None) -> NameIndex:
        key = frozenset(maker_ids) if maker_ids is not None else None
        if key not in self._product_index:
            chosen = [p for p in self.products.values() if key is None or p.manufacturer_id in key]
            self._product_index[key] = product_index(chosen)
        return self._product_index[key]

    def makers_within(self, ids: tuple[str, ...]) -> set[str]:
        """The parties and their sub-units (cached: the same maker text recurs across sightings)."""
        if ids not in self._within:
            self._within[ids] = with_sub_units(ids, self.parent_of)
        return self._within[ids]

    def label(self, pid: str) -> str:
        return f"{self.names.get(pid, pid)} ({pid})"


def _read(world: _World, s: Sighting) -> _Reading:
    """Normalise the serial and resolve the manufacturer and model text."""
    reading = _Reading(s, normalise_reading(s.serial), None, None, [])
    if not reading.norm.strip(UNREADABLE):
        reading.stop = f"The serial as read ({s.serial!r}) has no readable character."
        return reading
    if s.manufacturer.strip():
        ids, exact = world.all_parties.lookup(s.manufacturer)
        if not ids:
            ids, exact = world.makers.lookup(s.manufacturer)
        if not ids:
            reading.stop = (f"The manufacturer {s.manufacturer!r} names no known party: serial numbers belong to"
                            " their maker, so no item can be matched.")
            return reading
        reading.maker_ids = world.makers_within(ids)
        how = "" if exact else " (tolerating a small spelling difference)"
        reading.notes.append(f"The manufacturer {s.manufacturer!r} was read as"
                             f" {', '.join(world.label(i) for i in ids)}{how}.")
    if s.model.strip():
        ids, exact = world.product_index_for(reading.maker_ids).lookup(s.model)
        if not ids:
            of = " of that manufacturer" if reading.maker_ids is not None else ""
            reading.stop = f"The model {s.model!r} names no known product{of}, so no item can be matched."
            return reading
        reading.product_ids = set(ids)
        how = "" if exact else " (tolerating a small spelling difference)"
        reading.notes.append(f"The model {s.model!r} was read as product {', '.join(ids)}{how}.")
    return reading


def _admissible(reading: _Reading, c: Candidate) -> bool:
    if reading.maker_ids is not None and c.manufacturer_id not in reading.maker_ids:
        return False
    return reading.product_ids is None or c.product_id in reading.product_ids


def _best(reading: _Reading, found: Sequence[Candidate]) -> tuple[Tier | None, list[Candidate]]:
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


def _match_batch(uow: UnitOfWork, readings: Sequence[_Reading],
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
        out[r.sighting.id] = _best(r, by_fold.get(fold(r.norm), []))
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
        out[r.sighting.id] = _best(r, found)
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
        out[r.sighting.id] = _best(r, found)
    return out


def _reading_limits(norm: str) -> tuple[str, ...]:
    """Why a short or badly blurred reading was not searched at the weaker tiers."""
    if UNREADABLE in norm and readable_count(norm) < MIN_READABLE_FOR_UNREADABLE:
        return (f"Only {readable_count(norm)} character(s) are legible: at least {MIN_READABLE_FOR_UNREADABLE}"
                " are needed before unreadable characters are matched.",)
    if UNREADABLE not in norm and len(norm) < MIN_ONE_EDIT_LENGTH:
        return (f"The reading is shorter than {MIN_ONE_EDIT_LENGTH} characters, too short for a match with one"
                " character missing, extra or wrong to mean anything.",)
    return ()


def _candidate_dict(c: Candidate, tier: Tier | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "serial": c.serial, "product_id": c.product_id, "manufacturer_id": c.manufacturer_id,
        "permit_number": c.permit_number, "delivered_on": c.delivered_on.isoformat(),
        "end_user_id": c.end_user_id, "destination": c.destination,
    }
    if tier is not None:
        d["tier"] = tier.value
    return d


def _observation(world: _World, s: Sighting) -> tuple[Observation, list[str]]:
    notes: list[str] = []
    ids: tuple[str, ...] = ()
    if s.observed_user.strip():
        ids, exact = world.all_parties.lookup(s.observed_user)
        if ids and not exact:
            notes.append(f"The observed user {s.observed_user!r} was read as"
                         f" {', '.join(world.label(i) for i in ids)} (tolerating a small spelling difference).")
    return Observation(s.observed_on, s.country, s.observed_user, ids, s.reliability, s.credibility), notes


def _decide_one(world: _World, reading: _Reading, tier: Tier | None, cands: list[Candidate],
                decided_at: str) -> Finding:
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
        limits = _reading_limits(reading.norm) if reading.stop is None else ()
        return Finding(verdict=Verdict.UNMATCHED.value, reasons=(*reading.notes, why, *limits, grading), **base)
    assert tier is not None
    if len(cands) > 1:
        listed = "; ".join(f"{c.serial} ({c.manufacturer_id}, {c.product_id}, permit {c.permit_number})"
                           for c in cands)
        why = (f"{len(cands)} delivered items match the reading {reading.norm!r} equally well (tier {tier.value}):"
               f" {listed}. None is picked; the reading, the manufacturer or the model must be checked.")
        return Finding(verdict=Verdict.AMBIGUOUS.value, tier=tier.value, reasons=(*reading.notes, why, grading),
                       candidates=tuple(_candidate_dict(c, tier) for c in cands), **base)
    c = cands[0]
    item = MatchedItem(c.serial, c.delivered_on, c.permit_number, c.product_id, c.end_user_id, c.destination, tier)
    norm = normalise_marking(c.serial)
    recipients = [
        Recipient(r.to_party_id, world.country_of.get(r.to_party_id), r.authorized_on, r.reference)
        for r in world.retransfers.get(c.permit_number, []) if r.serial is None or normalise_marking(r.serial) == norm
    ]
    decision: Decision = decide(obs, item, recipients, world.parent_of, world.names)
    return Finding(
        verdict=decision.verdict.value, confidence=decision.confidence.value if decision.confidence else None,
        tier=tier.value, delivery_id=c.delivery_id, permit_number=c.permit_number, product_id=c.product_id,
        serial=c.serial, reasons=(*reading.notes, *user_notes, *decision.reasons), **base)


def _batches(items: Sequence[Sighting], size: int) -> Iterator[Sequence[Sighting]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_Decided = tuple[list[Finding], list[Candidate]]  # findings, and the single items they matched


def _decide_batch(uow: UnitOfWork, world: _World, batch: Sequence[Sighting], folds: set[str] | None,
                  decided_at: str) -> _Decided:
    readings = [_read(world, s) for s in batch]
    matched = _match_batch(uow, readings, folds)
    decided = [_decide_one(world, r, *matched.get(r.sighting.id, (None, [])), decided_at) for r in readings]
    return decided, [cands[0] for _, cands in matched.values() if len(cands) == 1]


def _decide_serially(uow: UnitOfWork, world: _World, todo: Sequence[Sighting], folds: set[str] | None,
                     decided_at: str) -> Iterator[_Decided]:
    for batch in _batches(todo, BATCH):
        yield _decide_batch(uow, world, batch, folds, decided_at)


_ActionRow = tuple[str, str, str]  # kind, target, reason


@dataclass(frozen=True)
class _CaseTask:
    """What a case's new actions are computed from: the permits diverted, each with the earliest observation
    filed now, the observed user, and the (kind, target) pairs the case already has."""

    diverted: tuple[tuple[str, date], ...]
    user_id: str | None
    existing: tuple[tuple[str, str], ...]


def _case_actions(world: _World, task: _CaseTask) -> list[_ActionRow]:
    """The new recommended actions of one case as rows (kind, target, reason)."""
    permits = world.permits()
    diverted = [(permits[number], on) for number, on in task.diverted]
    added = recommend_for_diversions(
        diverted=diverted, categories_of=world.categories, permits=world.related_permits([p for p, _ in diverted]),
        applications=world.pending_applications(), observed_user_id=task.user_id,
        observed_user_country=world.country_of.get(task.user_id) if task.user_id else None,
        parent_of=world.parent_of, country_of=world.country_of,
        existing=[(ActionKind(k), t) for k, t in task.existing])
    # str(kind) is the StrEnum's value, read without Enum's slower .value descriptor (many thousands here).
    return [(str(a.kind), a.target, a.reason) for a in added]


# What a forked worker process inherits from the run that forks it (set just before forking): the
# registry facts (permits and pending applications included), the sightings and the folded serials are
# shared, not copied or sent.
_INHERITED: dict[str, Any] = {}


def _decide_in_child(bounds: tuple[int, int]) -> _Decided:
    """One task of a worker process: decide todo[bounds] on a reader of the child's own."""
    inherited = _INHERITED
    findings: list[Finding] = []
    items: list[Candidate] = []
    with inherited["readers"]() as uow:
        world: _World = inherited["world"]
        world.uow = uow  # the parent's unit of work is never used in a child
        for batch in _batches(inherited["todo"][bounds[0] : bounds[1]], BATCH):
            f, c = _decide_batch(uow, world, batch, inherited["folds"], inherited["decided_at"])
            findings.extend(f)
            items.extend(c)
    return findings, items


def _actions_in_child(task: _CaseTask) -> list[_ActionRow]:
    """One task of a worker process: a case's new recommended actions (the registry facts are inherited)."""
    return _case_actions(_INHERITED["world"], task)


class _Workers:
    """Forked worker processes that decide sightings and compute cases' actions, in the order given.

    Matching, deciding and computing actions only read; the results come back to this process, which
    alone writes.
    """

    def __init__(self, world: _World, todo: Sequence[Sighting], folds: set[str] | None, decided_at: str,
                 readers: Callable[[], UnitOfWork], processes: int) -> None:
        # Loaded before forking, so that every worker shares them rather than reading its own copy.
        world.permits()
        world.pending_applications()
        self.todo = todo
        _INHERITED.update(world=world, todo=todo, folds=folds, decided_at=decided_at, readers=readers)
        # Objects alive now are left out of the children's garbage collections: collecting would touch
        # (and so copy) every shared page of the inherited registry and its millions of folded serials.
        gc.freeze()
        self.pool = multiprocessing.get_context("fork").Pool(processes)

    def decide(self) -> Iterator[_Decided]:
        """The same decisions as `_decide_serially`, in the same order."""
        n = len(self.todo)
        tasks = [(i, min(i + PARALLEL_TASK, n)) for i in range(0, n, PARALLEL_TASK)]
        yield from self.pool.imap(_decide_in_child, tasks)

    def actions(self, tasks: Sequence[_CaseTask]) -> Iterator[list[_ActionRow]]:
        """The same actions as `_case_actions` for each task, in the same order."""
        yield from self.pool.imap(_actions_in_child, tasks)

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()
        gc.unfreeze()
        _INHERITED.clear()


def _workers(todo: Sequence[Sighting], readers: Callable[[], UnitOfWork] | None) -> int:
    """How many worker processes decide a run: none for small runs, where forking costs more than it saves."""
    if readers is None or len(todo) < PARALLEL_MIN_SIGHTINGS or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(os.cpu_count() or 1, MAX_WORKERS) if (os.cpu_count() or 1) > 1 else 0


def _file_cases(uow: UnitOfWork, world: _World, actor: str, diversions: Sequence[Finding],
                today: date, workers: _Workers | None = None) -> tuple[list[str], dict[str, str]]:
    """Put diversion findings in cases with their recommended actions; returns the ids of the cases opened
    and the case each finding joined (by sighting id).

    Findings with the same consignee and observed user go to the open case for them (opened if none).
    Actions are computed for each diverted permit as of the earliest observation of it among the
    findings filed now, and added unless the case already has them; by `workers` when given (the same
    actions). One audit entry per case opened, per case's findings added, and per case's actions added.
    """
    groups: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in diversions:
        assert f.permit_number is not None
        groups[(world.permits()[f.permit_number].consignee_id, f.observed_user_id)].append(f)
    # Read before anything is written: each group's open case (if any) and the actions it already has.
    found_cases = {key: uow.cases.open_case_for(*key) for key in groups}
    tasks = []
    for key, found in groups.items():
        earliest: dict[str, date] = {}
        for f in found:
            assert f.permit_number is not None
            earliest[f.permit_number] = min(earliest.get(f.permit_number, f.observed_on), f.observed_on)
        case = found_cases[key]
        existing = tuple(uow.cases.case_action_keys(case.id)) if case is not None else ()
        tasks.append(_CaseTask(tuple(earliest.items()), key[1], existing))
    actions = workers.actions(tasks) if workers is not None else (_case_actions(world, task) for task in tasks)
    opened: list[str] = []
    case_of: dict[str, str] = {}
    for ((consignee_id, user_id), found), rows in zip(groups.items(), actions, strict=True):
        case = found_cases[(consignee_id, user_id)]
        if case is None:
            first = world.permits()[found[0].permit_number or ""]
            seen_with = world.label(user_id) if user_id else "an unauthorised user"
            product = world.products.get(first.product_id)
            case = CaseRecord(
                id=uow.cases.next_case_id(),
                title=f"Diversion: {product.model if product else first.product_id} delivered to"
                      f" {world.label(consignee_id)} for {world.label(first.end_user_id)}, seen with {seen_with}",
                status="open", opened_on=today, closed_on=None, consignee_id=consignee_id, observed_user_id=user_id,
                opened_by=actor, summary=f"Opened on the diversion finding for sighting {found[0].sighting_id}.")
            uow.cases.add_case(case)
            # The entry shows the case as detection opens it, without closed_on (as it always has).
            opened_case = snapshot(case)
            del opened_case["closed_on"]
            record(uow, actor=actor, action="case.open", entity="case", key=case.id, after=Plain(opened_case),
                   reason=f"diversion finding for sighting {found[0].sighting_id}")
            opened.append(case.id)
        uow.cases.add_case_findings(case.id, [f.sighting_id for f in found])
        case_of.update((f.sighting_id, case.id) for f in found)
        record(uow, actor=actor, action="case.add_findings", entity="case", key=case.id,
               after={"sightings": [f.sighting_id for f in found]},
               reason="diversion findings for the same consignee and observed user")
        if rows:
            uow.cases.add_case_actions(case.id, rows)
            # Rows, not one object per action: a large run audits hundreds of thousands of actions.
            record(uow, actor=actor, action="case.recommend", entity="case", key=case.id,
                   after=Plain({"status": "recommended", "columns": ["kind", "target", "reason"], "actions": rows}),
                   reason="recommended actions for the diversion findings filed")
    return opened, case_of


def detect(uow: UnitOfWork, actor: str, *, since: date | None = None,
           progress: Callable[[int, int], None] | None = None, reassess: bool = False,
           readers: Callable[[], UnitOfWork] | None = None) -> DetectionRun:
    """Decide every sighting observed on or after `since` (all when None) that has no finding yet.

    Returns the findings of every sighting in scope (earlier ones unchanged), with each diversion's
    case. Writes the new findings, cases and actions, with audit entries, in one transaction.
    `progress(done, total)` is called after each batch. With `reassess`, new diversion findings are new
    evidence: every permit in force and pending application is re-assessed as of the latest observation,
    in the same transaction, and those whose recommendation worsens go on the watch list.
    `readers`, when given, makes read-only units of work in processes forked from this one (see
    db.uow.readers_for_forked_children): large runs then match and decide on every CPU; the findings are
    the same, and only this process writes.
    """
    with uow:
        todo = uow.detection.undecided_sightings(since)
        # The findings already stored in scope, read before this run adds any (a first run reads none).
        earlier = uow.detection.findings(since=since)
        decided_at = uow.now().isoformat(timespec="seconds")
        today = uow.now().date()
        counts: Counter[str] = Counter()
        opened: list[str] = []
        new: list[Finding] = []
        matched_items: dict[int, Candidate] = {}
        case_of: dict[str, str] = {}
        diversions: list[Finding] = []
        if todo:
            world = _World(uow)
            folds = uow.detection.all_folds() if len(todo) >= PREFILTER_MIN_SIGHTINGS else None
            processes = _workers(todo, readers)
            workers = (_Workers(world, todo, folds, decided_at, readers, processes)
                       if processes and readers is not None else None)
            try:
                decisions = workers.decide() if workers is not None else _decide_serially(
                    uow, world, todo, folds, decided_at)
                for decided, items in decisions:
                    uow.detection.add_findings(decided)
                    matched_items.update((c.delivery_id, c) for c in items)
                    new.extend(decided)
                    counts.update(f.verdict for f in decided)
                    diversions.extend(f for f in decided if f.verdict == Verdict.DIVERSION.value)
                    if progress is not None:
                        progress(len(new), len(todo))
                opened, case_of = _file_cases(uow, world, actor, diversions, today, workers)
            finally:
                if workers is not None:
                    workers.close()
            # One entry for the run: findings are derived from stored evidence; each sighting's verdict is
            # listed, so the entry can be checked against the findings table.
            record(uow, actor=actor, action="detect.run", entity="findings", key=decided_at,
                   after={"decided": len(new), "by_verdict": dict(sorted(counts.items())),
                          "since": since, "sightings": {f.sighting_id: f.verdict for f in sorted(
                              new, key=lambda f: f.sighting_id)}, "cases_opened": opened})
        watched: list[str] = []
        if reassess and diversions:
            latest = max(f.observed_on for f in diversions)
            entries = reassess_in(uow, actor, latest, f"detection: {len(diversions)} new diversion finding(s)"
                                  f" ({', '.join(sorted(f.sighting_id for f in diversions)[:5])})")
            watched = [f"{e.subject_kind} {e.subject_key}: {e.before} -> {e.after}" for e in entries]
        results = _results(uow, earlier, set()) + [
            DetectionResult(f, _candidate_dict(matched_items[f.delivery_id]) if f.delivery_id is not None else None,
                            case_of.get(f.sighting_id), True) for f in new]
        results.sort(key=lambda r: (r.finding.observed_on, r.finding.sighting_id))
        uow.commit()
    return DetectionRun(results, len(new), dict(sorted(counts.items())), opened, watched)


def case_actions(uow: UnitOfWork, case_id: str) -> list[tuple[str, str]]:
    """A case's recommended actions as (kind, target), in the order they were filed."""
    with uow:
        return [(a["kind"], a["target"]) for a in uow.cases.list_case_actions(case_id)]


def findings(uow: UnitOfWork, *, since: date | None = None, verdict: str | None = None) -> list[DetectionResult]:
    """The stored findings (observed on or after `since`, of one verdict if given), without deciding anything."""
    with uow:
        found = [f for f in uow.detection.findings(since=since) if verdict is None or f.verdict == verdict]
        return _results(uow, found, set())


def _results(uow: UnitOfWork, found: list[Finding], new_ids: set[str]) -> list[DetectionResult]:
    cases = uow.cases.cases_of([f.sighting_id for f in found])
    items = uow.detection.candidates_by_delivery_id([f.delivery_id for f in found if f.delivery_id is not None])
    out: list[DetectionResult] = []
    for f in found:
        c = items.get(f.delivery_id) if f.delivery_id is not None else None
        match = _candidate_dict(c) if c is not None else None
        out.append(DetectionResult(f, match, cases.get(f.sighting_id), f.sighting_id in new_ids))
    return out


@dataclass(frozen=True)
class MatchOutcome:
    """The candidates at the best tier for one reading, with how the names were read (or why none can match)."""

    tier: Tier | None
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]


class Matcher:
    """Matches readings one at a time inside an open unit of work, with the registry facts loaded once.

    Used by the benchmark and by anything that needs a match without storing a finding.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.world = _World(uow)

    def match(self, serial: str, manufacturer: str = "", model: str = "") -> MatchOutcome:
        s = Sighting("-", date.min, serial, "F", "6", manufacturer=manufacturer, model=model)
        reading = _read(self.world, s)
        tier, cands = _match_batch(self.uow, [reading]).get("-", (None, []))
        notes = (*reading.notes, reading.stop) if reading.stop else tuple(reading.notes)
        return MatchOutcome(tier, tuple(cands), notes)
