"""Detection: every undecided sighting matched to delivered items, decided, and stored as a finding.

One run writes in one short transaction: sightings are decided on a read snapshot, and written only if
nothing the run depends on changed meanwhile (gate.write_planned). Sightings are processed in batches;
each batch looks candidates up through the index on deliveries.serial_fold (IN lists of folded keys),
never by scanning items.
A finding, once stored, is never changed by a later run: re-running decides only new sightings.
Each diversion opens a case, or joins the open case for the same consignee and observed user, and
stores the case's recommended actions (computed as of the observation date, so that the same
evidence always calls for the same actions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from endwatch.domain.sightings import Sighting
from endwatch.domain.verdicts import Verdict
from endwatch.services.assessment.reassessment import reassess_in, reassess_planned
from endwatch.services.assessment.store import WatchEntry
from endwatch.services.authz import Action, Principal
from endwatch.services.detection.cases import CasePlan, file_cases, plan_cases
from endwatch.services.detection.decide import BATCH, candidate_dict, decide_task
from endwatch.services.detection.parallel import InProcess, Parallel
from endwatch.services.detection.store import Candidate, Finding
from endwatch.services.detection.world import Shared, World
from endwatch.services.gate import Write, is_database, write, write_planned
from endwatch.services.uow import Database, UnitOfWork

# From this many sightings in one run, the folded serials are loaded once so that generated keys (one
# edit, unreadable characters) are probed in the database only when some item has them.
PREFILTER_MIN_SIGHTINGS = 5000
# From this many sightings, and when the caller gives an executor with worker processes, sightings are
# matched and decided by its workers, PARALLEL_TASK at a time (smaller runs stay in this process, BATCH at a
# time: forking costs more than it saves there).
PARALLEL_MIN_SIGHTINGS = 20_000
PARALLEL_TASK = 2_000
# Findings are inserted this many at a time (the write holds the lock; bounded statements keep it short).
WRITE_BATCH = 5_000
# Tables whose writes cannot change a run's plan: sightings are only ever added (one recorded meanwhile is
# simply not part of this run; the next decides it); accounts, tokens, the outbox and notes are not evidence.
UNAFFECTED_BY = frozenset({"sightings", "users", "api_tokens", "outbox", "case_notes"})


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


def _executor(uow: UnitOfWork, world: World, todo: Sequence[Sighting],
              parallel: Parallel | None) -> tuple[Parallel, int]:
    """The workers a run uses and how many sightings each of their tasks decides."""
    if parallel is None or len(todo) < PARALLEL_MIN_SIGHTINGS or not parallel.processes():
        return InProcess(uow), BATCH
    # Loaded before the workers start, so that every worker shares them rather than reading its own copy.
    world.permits()
    world.pending_applications()
    return parallel, PARALLEL_TASK


def _spans(n: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, n)) for i in range(0, n, size)]


@dataclass
class _Planned:
    """What a run decided on the state it read, before anything is written."""

    decided_at: str
    today: date
    new: list[Finding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    matched_items: dict[int, Candidate] = field(default_factory=dict)
    diversions: list[Finding] = field(default_factory=list)
    world: World | None = None
    cases: CasePlan | None = None
    earlier: list[DetectionResult] = field(default_factory=list)


def _plan(uow: UnitOfWork, since: date | None, progress: Callable[[int, int], None] | None,
          parallel: Parallel | None) -> _Planned:
    """Decide the undecided sightings in scope and plan their cases on what `uow` reads (only reads)."""
    todo = uow.detection.undecided_sightings(since)
    now = uow.now()
    p = _Planned(now.isoformat(timespec="seconds"), now.date())
    # The findings already stored in scope (a first run reads none), with their cases.
    p.earlier = _results(uow, uow.detection.findings(since=since), set())
    if not todo:
        return p
    world = p.world = World(uow)
    folds = uow.detection.all_folds() if len(todo) >= PREFILTER_MIN_SIGHTINGS else None
    pool, size = _executor(uow, world, todo, parallel)
    with pool.start(Shared(world, todo, folds, p.decided_at, pool.reader)) as workers:
        for decided, items in workers.map(decide_task, _spans(len(todo), size)):
            p.matched_items.update((c.delivery_id, c) for c in items)
            p.new.extend(decided)
            p.counts.update(f.verdict for f in decided)
            p.diversions.extend(f for f in decided if f.verdict == Verdict.DIVERSION.value)
            if progress is not None:
                progress(len(p.new), len(todo))
        p.cases = plan_cases(uow, world, p.diversions, workers)
    return p


def _apply(w: Write, since: date | None, p: _Planned) -> DetectionRun:
    """Write the findings, cases and actions `p` planned, with their audit entries, in the open write `w`."""
    opened: list[str] = []
    case_of: dict[str, str] = {}
    if p.new:
        assert p.world is not None and p.cases is not None
        for start in range(0, len(p.new), WRITE_BATCH):
            w.uow.detection.add_findings(p.new[start:start + WRITE_BATCH])
        opened, case_of = file_cases(w, p.world, p.cases, p.today)
        # One entry for the run: findings are derived from stored evidence; each sighting's verdict is
        # listed, so the entry can be checked against the findings table.
        verdicts = {f.sighting_id: f.verdict for f in sorted(p.new, key=lambda f: f.sighting_id)}
        w.record(action="detect.run", entity="findings", key=p.decided_at,
                 after={"decided": len(p.new), "by_verdict": dict(sorted(p.counts.items())), "since": since,
                        "sightings": verdicts, "cases_opened": opened})
    results = p.earlier + [
        DetectionResult(f, candidate_dict(p.matched_items[f.delivery_id]) if f.delivery_id is not None else None,
                        case_of.get(f.sighting_id), True) for f in p.new]
    results.sort(key=lambda r: (r.finding.observed_on, r.finding.sighting_id))
    return DetectionRun(results, len(p.new), dict(sorted(p.counts.items())), opened)


def _trigger(diversions: Sequence[Finding]) -> str:
    return (f"detection: {len(diversions)} new diversion finding(s)"
            f" ({', '.join(sorted(f.sighting_id for f in diversions)[:5])})")


def detect(target: UnitOfWork | Database, principal: Principal, *, since: date | None = None,
           progress: Callable[[int, int], None] | None = None, reassess: bool = False,
           parallel: Parallel | None = None) -> DetectionRun:
    """Decide every sighting observed on or after `since` (all when None) that has no finding yet.

    Returns the findings of every sighting in scope (earlier ones unchanged), with each diversion's
    case. Writes the new findings, cases and actions, with audit entries, in one transaction.
    `progress(done, total)` is called after each batch. With `reassess`, new diversion findings are new
    evidence: every permit in force and pending application is re-assessed as of the latest observation,
    and those whose recommendation worsens go on the watch list.
    `parallel`, when given, is the executor bootstrap chose (Endwatch.parallel): large runs then match,
    decide and compute cases' actions in its workers; the findings are the same, and only this process writes.

    Given a Database (`Endwatch`), sightings are decided on a read snapshot, without the write lock, and
    written in a short write only if nothing the run depends on was written meanwhile (otherwise decided
    again: gate.write_planned); the re-assessment follows in a write of its own, planned the same way, so
    other writers wait seconds, not for the whole run. Given a unit of work, everything happens in its one
    transaction, the re-assessment included.
    """
    def plan(uow: UnitOfWork) -> _Planned:
        return _plan(uow, since, progress, parallel)

    if not is_database(target):
        with write(cast(UnitOfWork, target), principal, Action.DETECTION_RUN) as w:
            return detect_in(w, since=since, reassess=reassess, progress=progress, parallel=parallel)
    decided: list[_Planned] = []

    def apply(w: Write, p: _Planned) -> DetectionRun:
        decided.append(p)
        return _apply(w, since, p)

    run = write_planned(target, principal, Action.DETECTION_RUN, plan, apply, attempts=3,
                        unaffected_by=UNAFFECTED_BY)
    diversions = decided[-1].diversions
    if reassess and diversions:
        latest = max(f.observed_on for f in diversions)
        run.watch_added = _watched(reassess_planned(target, principal, Action.DETECTION_RUN, latest,
                                                    _trigger(diversions)))
    return run


def detect_in(w: Write, *, since: date | None = None, reassess: bool = False,
              progress: Callable[[int, int], None] | None = None, parallel: Parallel | None = None) -> DetectionRun:
    """`detect` inside the caller's open write (the lock held throughout, nothing committed here): for a use
    case whose other writes must stand or fall with the findings (a sighting recorded and decided at once)."""
    p = _plan(w.uow, since, progress, parallel)
    run = _apply(w, since, p)
    if reassess and p.diversions:
        latest = max(f.observed_on for f in p.diversions)
        run.watch_added = _watched(reassess_in(w, latest, _trigger(p.diversions)))
    return run


def _watched(entries: Sequence[WatchEntry]) -> list[str]:
    return [f"{e.subject_kind} {e.subject_key}: {e.before} -> {e.after}" for e in entries]


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
        match = candidate_dict(c) if c is not None else None
        out.append(DetectionResult(f, match, cases.get(f.sighting_id), f.sighting_id in new_ids))
    return out
