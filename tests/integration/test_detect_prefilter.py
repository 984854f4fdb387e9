"""Large runs probe only generated keys that some item has; the verdicts are exactly those of the plain path."""

from tests.factories import empty_database

from endwatch.services import detection
from endwatch.services.imports import import_folder
from endwatch.services.synth import synthesize


def verdicts(ew, folder, prefilter_from, monkeypatch):
    empty_database(ew)
    import_folder(ew.uow(), "tester", folder)
    monkeypatch.setattr(detection, "PREFILTER_MIN_SIGHTINGS", prefilter_from)
    run = detection.detect(ew.uow(), "tester")
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
    import_folder(ew.uow(), "tester", tmp_path / "world")
    run = detection.detect(ew.uow(), "tester")
    stored = detection.findings(ew.uow())
    assert run.cases_opened and any(r.case_id for r in run.results)
    assert [(r.finding, r.match, r.case_id) for r in run.results] == [(r.finding, r.match, r.case_id)
                                                                       for r in stored]
    assert all(r.decided_now for r in run.results) and not any(r.decided_now for r in stored)
