"""A new diversion finding is new evidence: permits in force and pending applications are re-assessed."""

from datetime import date

from tests.principals import person

from endwatch.cli import app
from endwatch.services.assessment.reassessment import reassess_all, watchlist
from endwatch.services.detection import run as detection


def test_detect_without_reassessment_leaves_the_watch_list_alone(case):
    run = detection.detect(case, person("investigator"))
    assert "diversion" in run.by_verdict
    assert run.watch_added == []


def test_detect_from_the_cli_reassesses_as_of_the_observation(case, cli):
    reassess_all(case, person("officer"), date(2020, 9, 1), "baseline before the war")
    assert watchlist(case.reader()) == []
    result = cli.invoke(app, ["detect"])
    assert result.exit_code == 0, result.output
    entries = [e for e in watchlist(case.reader()) if e.trigger.startswith("detection: ")]
    assert entries, "the diversion finding should worsen at least one assessment"
    assert all(e.as_of == date(2020, 10, 1) for e in entries)
    keys = {e.subject_key for e in entries}
    assert keys & {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2", "APP-REDACTED-3", "APP-REDACTED-4"}
    assert "watch list:" in result.output
