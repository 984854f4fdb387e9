"""Large runs probe only generated keys that some item has; the verdicts are exactly those of the plain path."""

import os
import uuid

from tests.factories import empty_database
from tests.principals import person

from endwatch.runtime import forkpool
from endwatch.services.audit.verify import history
from endwatch.services.detection import cases
from endwatch.services.detection import run as detection
from endwatch.services.registry.imports import import_folder
from endwatch_demo.synth import synthesize


def verdicts(ew, folder, prefilter_from, monkeypatch):
    empty_database(ew)
    import_folder(ew.uow(), person("tester"), folder)
    monkeypatch.setattr(detection, "PREFILTER_MIN_SIGHTINGS", prefilter_from)
    run = detection.detect(ew, person("tester"))
    return {r.finding.sighting_id: (r.finding.verdict, r.finding.delivery_id, tuple(r.finding.candidates))
            for r in run.results}


def test_prefiltered_run_gives_the_same_findings(ew, tmp_path, monkeypatch):
    synthesize(tmp_path / "world", items=1500, sightings=300, seed=5)
    plain = verdicts(ew, tmp_path / "world", 10**9, monkeypatch)
    filtered = verdicts(ew, tmp_path / "world", 0, monkeypatch)
    assert len(plain) == 300
    assert {v for v, _, _ in plain.values()} >= {"diversion", "consistent", "unmatched"}
    assert filtered == plain


def test_a_run_reports_exactly_what_it_stored(ew, tmp_path):
    """The new findings are reported from memory, not re-read: the report must equal what a reader sees."""
    synthesize(tmp_path / "world", items=1500, sightings=300, seed=7)
    empty_database(ew)
    import_folder(ew.uow(), person("tester"), tmp_path / "world")
    run = detection.detect(ew, person("tester"))
    stored = detection.findings(ew.uow())
    assert run.cases_opened and any(r.case_id for r in run.results)
    assert [(r.finding, r.match, r.case_id) for r in run.results] == [(r.finding, r.match, r.case_id)
                                                                       for r in stored]
    assert all(r.decided_now for r in run.results) and not any(r.decided_now for r in stored)


def filed(ew, run):
    """Each case opened: its actions as stored and its audit entries (what, and what they say)."""
    return {case_id: (detection.case_actions(ew.uow(), case_id),
                      [(e.action, e.after) for e in history(ew.uow, "case", case_id)])
            for case_id in run.cases_opened}


_RECORDING: dict = {}
_TASK = detection.decide_task
_ACTIONS = cases.actions_task


def _recording_task(shared, bounds):
    """The worker task, leaving behind which process ran it (children inherit _RECORDING by forking)."""
    (_RECORDING["dir"] / f"task-{bounds[0]}-{os.getpid()}").touch()
    return _TASK(shared, bounds)


def _recording_actions(shared, task):
    (_RECORDING["dir"] / f"actions-{uuid.uuid4().hex}-{os.getpid()}").touch()
    return _ACTIONS(shared, task)


def test_a_run_decided_by_worker_processes_gives_the_same_findings(ew, tmp_path, monkeypatch):
    """Forked workers (each on connections of its own) decide exactly as one process does, and the run
    leaves the database usable: the parent's connections are never touched by a child."""
    synthesize(tmp_path / "world", items=1500, sightings=300, seed=5)
    plain = verdicts(ew, tmp_path / "world", 0, monkeypatch)
    empty_database(ew)
    import_folder(ew.uow(), person("tester"), tmp_path / "world")
    plain_cases = filed(ew, detection.detect(ew, person("tester")))
    assert plain_cases and any(actions for actions, _ in plain_cases.values())
    empty_database(ew)
    import_folder(ew.uow(), person("tester"), tmp_path / "world")
    monkeypatch.setattr(detection, "PARALLEL_MIN_SIGHTINGS", 0)
    monkeypatch.setattr(detection, "PARALLEL_TASK", 70)
    monkeypatch.setattr(forkpool.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(detection, "decide_task", _recording_task)
    monkeypatch.setattr(cases, "actions_task", _recording_actions)
    monkeypatch.setitem(_RECORDING, "dir", tmp_path)
    run = detection.detect(ew, person("tester"), parallel=ew.parallel)
    pids = {int(p.name.rsplit("-", 1)[1]) for p in tmp_path.glob("task-*")}
    assert len(list(tmp_path.glob("task-*"))) == 5 and os.getpid() not in pids and pids
    # The cases' actions were computed by the workers too: the same actions, reasons and audit entries.
    action_pids = {int(p.name.rsplit("-", 1)[1]) for p in tmp_path.glob("actions-*")}
    assert len(list(tmp_path.glob("actions-*"))) == len(plain_cases) and os.getpid() not in action_pids
    assert filed(ew, run) == plain_cases
    forked = {r.finding.sighting_id: (r.finding.verdict, r.finding.delivery_id, tuple(r.finding.candidates))
              for r in run.results}
    assert forked == plain
    assert [(r.finding, r.match, r.case_id) for r in run.results] == [
        (r.finding, r.match, r.case_id) for r in detection.findings(ew.uow())]
    assert detection.detect(ew, person("tester"), parallel=ew.parallel).decided == 0
