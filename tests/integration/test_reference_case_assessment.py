"""The reference case replayed through the assessment: what endwatch would have shown in 2020.

- May 2020: the permits relied on the NATO exception under a presumption of denial, and carried a
  diversion-risk indicator through the integrator (Baykar).
- September 2020: the Azerbaijani Air Force applications are recommended for denial, and every permit on
  the same route goes on the watch list, with the evidence that changed it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.principals import person

from endwatch.cli import app
from endwatch.errors import InvalidInput, RuleViolation
from endwatch.services.assessment.assess import assess, assess_permit
from endwatch.services.assessment.decisions import check_may_issue, countersign, decide
from endwatch.services.assessment.reassessment import reassess_all, watchlist
from endwatch.services.audit.verify import verify

MAY = date(2020, 5, 8)
ARRIVAL = date(2020, 9, 14)
WAR = date(2020, 10, 1)


def test_may_2020_permits_relied_on_the_nato_exception_and_carried_integration_risk(case):
    for number in ("PERMIT-REDACTED-1", "PERMIT-REDACTED-2"):
        a = assess_permit(case.uow(), person("system"), number, MAY).assessment
        policy = a.indicator("destination-policy")
        assert policy.severity.value == "high"
        assert "presumption of denial" in policy.summary
        assert "NATO co-operation programs" in policy.summary
        assert any(e.kind == "policy" and e.ref == "tr-2020-04-presumption" for e in policy.evidence)
        onward = a.indicator("onward-transfers")
        assert onward.severity.value in ("medium", "high", "critical")
        assert "integration" in onward.summary and "Baykar" in onward.summary
        assert "ATT-11" in onward.criteria
        assert a.recommendation.value == "refer"


def test_azerbaijani_air_force_applications_are_recommended_for_denial(case):
    for number in ("APP-REDACTED-3", "APP-REDACTED-4"):
        for day in (ARRIVAL, WAR):
            a = assess(case.uow(), person("system"), number, day).assessment
            assert a.recommendation.value == "deny", (number, day)
        at_war = assess(case.uow(), person("system"), number, WAR).assessment
        assert at_war.indicator("armed-conflict").severity.value == "critical"
        assert at_war.indicator("onward-transfers").severity.value == "critical"


def test_every_permit_on_the_route_goes_on_the_watch_list_when_the_applications_arrive(case):
    assert reassess_all(case, person("analyst"), MAY, "baseline at issue") == []
    added = reassess_all(case, person("analyst"), ARRIVAL, "applications APP-REDACTED-3 and -4 received")
    by_key = {w.subject_key: w for w in added}
    assert set(by_key) == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    for number, app_number in (("PERMIT-REDACTED-1", "APP-REDACTED-3"), ("PERMIT-REDACTED-2", "APP-REDACTED-4")):
        w = by_key[number]
        assert (w.before, w.after) == ("refer", "deny")
        changed = {c["indicator"]: c for c in w.changes}
        assert {"onward-transfers", "conflicting-declarations"} <= set(changed)
        refs = [e["ref"] for e in changed["conflicting-declarations"]["new_evidence"]]
        assert app_number in refs
    assert {w.subject_key for w in watchlist(case.reader())} == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    # Re-running with nothing new adds nothing.
    assert reassess_all(case, person("analyst"), ARRIVAL, "again") == []
    assert verify(case.reader).ok


def test_cli_reassess_and_watchlist(case, cli):
    first = cli.invoke(app, ["reassess", "--as-of", "2020-05-08", "--format", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == []
    second = cli.invoke(app, ["reassess", "--as-of", "2020-09-14", "--trigger", "applications received",
                              "--format", "json"])
    assert second.exit_code == 0, second.output
    assert {w["subject_key"] for w in json.loads(second.output)} == {"PERMIT-REDACTED-1", "PERMIT-REDACTED-2"}
    listed = cli.invoke(app, ["watchlist", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert all(r["after"] == "deny" and r["changes"] for r in rows)
    table = cli.invoke(app, ["watchlist"])
    assert table.exit_code == 0 and "Watch list" in table.output


def test_cli_assess_permit_in_may_2020(case, cli):
    result = cli.invoke(app, ["assess", "PERMIT-REDACTED-1", "--permit", "--as-of", "2020-05-08", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["subject"]["kind"] == "permit" and data["subject"]["exception"] == "NATO co-operation programs"
    assert data["recommendation"] == "refer"


def test_approving_an_azerbaijani_air_force_application_needs_four_eyes(case):
    with pytest.raises(InvalidInput):
        decide(case.uow(), person("officer-a"), "APP-REDACTED-3", "approve", reason="customer request", on=ARRIVAL)
    d = decide(case.uow(), person("officer-a"), "APP-REDACTED-3", "approve", reason="customer request", on=ARRIVAL,
               justification="(test) approving against a deny recommendation")
    assert (d.recommendation, d.state) == ("deny", "awaiting_second")
    with pytest.raises(RuleViolation):
        check_may_issue(case.uow(), "APP-REDACTED-3")
    with pytest.raises(RuleViolation):
        countersign(case.uow(), person("officer-a"), "APP-REDACTED-3", reason="again", on=ARRIVAL)
    denied = decide(case.uow(), person("officer-b"),
                             "APP-REDACTED-4", "deny", reason="recommended for denial", on=ARRIVAL)
    assert (denied.recommendation, denied.state) == ("deny", "final")
    with case.reader() as uow:
        assert uow.applications.get("APP-REDACTED-3").status.value == "on_hold"
        assert uow.applications.get("APP-REDACTED-4").status.value == "denied"
