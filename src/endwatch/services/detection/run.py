"""Detection: every undecided sighting matched to delivered items, decided, and stored as a finding.

One run is one transaction. Sightings are processed in batches; each batch looks candidates up
through the index on deliveries.serial_fold (IN lists of folded keys), never by scanning items.
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
from typing import Any

from endwatch.domain.sightings import Sighting
from endwatch.domain.verdicts import Verdict
from endwatch.services.assessment.reassessment import reassess_in
from endwatch.services.authz import Action, Principal
from endwatch.services.detection.cases import file_cases
from endwatch.services.detection.decide import BATCH, candidate_dict, decide_task
from endwatch.services.detection.parallel import InProcess, Parallel
from endwatch.services.detection.store import Candidate, Finding
from endwatch.services.detection.world import Shared, World
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

# From this many sightings in one run, the folded serials are loaded once so that generated keys (one
# edit, unreadable characters) are probed in the database only when some item has them.
PREFILTER_MIN_SIGHTINGS = 5000
# From this many sightings, and when the caller gives an executor with worker processes, sightings are
# matched and decided by its workers, PARALLEL_TASK at a time (smaller runs stay in this process, BATCH at a
# time: forking costs more than it saves there).
PARALLEL_MIN_SIGHTINGS = 20_000
PARALLEL_TASK = 2_000


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


def detect(uow: UnitOfWork, principal: Principal, *, since: date | None = None,
           progress: Callable[[int, int], None] | None = None, reassess: bool = False,
           parallel: Parallel | None = None) -> DetectionRun:
    """Decide every sighting observed on or after `since` (all when None) that has no finding yet.

    Returns the findings of every sighting in scope (earlier ones unchanged), with each diversion's
    case. Writes the new findings, cases and actions, with audit entries, in one transaction.
    `progress(done, total)` is called after each batch. With `reassess`, new diversion findings are new
    evidence: every permit in force and pending application is re-assessed as of the latest observation,
    in the same transaction, and those whose recommendation worsens go on the watch list.
    `parallel`, when given, is the executor bootstrap chose (Endwatch.parallel): large runs then match,
    decide and compute cases' actions in its workers; the findings are the same, and only this process writes.
    """
    with write(uow, principal, Action.DETECTION_RUN) as w:
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
            world = World(uow)
            folds = uow.detection.all_folds() if len(todo) >= PREFILTER_MIN_SIGHTINGS else None
            pool, size = _executor(uow, world, todo, parallel)
            with pool.start(Shared(world, todo, folds, decided_at, pool.reader)) as workers:
                for decided, items in workers.map(decide_task, _spans(len(todo), size)):
                    uow.detection.add_findings(decided)
                    matched_items.update((c.delivery_id, c) for c in items)
                    new.extend(decided)
                    counts.update(f.verdict for f in decided)
                    diversions.extend(f for f in decided if f.verdict == Verdict.DIVERSION.value)
                    if progress is not None:
                        progress(len(new), len(todo))
                opened, case_of = file_cases(w, world, diversions, today, workers)
            # One entry for the run: findings are derived from stored evidence; each sighting's verdict is
            # listed, so the entry can be checked against the findings table.
            verdicts = {f.sighting_id: f.verdict for f in sorted(new, key=lambda f: f.sighting_id)}
            w.record(action="detect.run", entity="findings", key=decided_at,
                     after={"decided": len(new), "by_verdict": dict(sorted(counts.items())), "since": since,
                            "sightings": verdicts, "cases_opened": opened})
        watched: list[str] = []
        if reassess and diversions:
            latest = max(f.observed_on for f in diversions)
            entries = reassess_in(w, latest, f"detection: {len(diversions)} new diversion finding(s)"
                                  f" ({', '.join(sorted(f.sighting_id for f in diversions)[:5])})")
            watched = [f"{e.subject_kind} {e.subject_key}: {e.before} -> {e.after}" for e in entries]
        results = _results(uow, earlier, set()) + [
            DetectionResult(f, candidate_dict(matched_items[f.delivery_id]) if f.delivery_id is not None else None,
                            case_of.get(f.sighting_id), True) for f in new]
        results.sort(key=lambda r: (r.finding.observed_on, r.finding.sighting_id))
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
        match = candidate_dict(c) if c is not None else None
        out.append(DetectionResult(f, match, cases.get(f.sighting_id), f.sighting_id in new_ids))
    return out
