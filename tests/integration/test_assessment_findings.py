"""Diversion history read from detection's findings table (both databases): the traced nameplate
finding makes the route's permits and applications carry a critical diversion-history indicator."""

from __future__ import annotations

from datetime import date

from tests.principals import person

from endwatch.db.detection import tables as td
from endwatch.services.assessment.assess import assess, assess_permit


def _record_finding(ew) -> None:
    with ew.engine.begin() as conn:
        conn.execute(td.sightings.insert().values(
            id="S-NAMEPLATE", observed_on=date(2020, 10, 20), place="downed drone", country="AZ",
            observed_user="Azerbaijani forces", manufacturer="L3 Wescam", model="CMX-15D", serial="REDACTED-SN-1",
            platform="Bayraktar TB2", source="photo", reliability="B", credibility="2",
            recorded_at="2020-10-25T12:00:00+00:00", recorded_by="analyst"))
        conn.execute(td.findings.insert().values(
            sighting_id="S-NAMEPLATE", verdict="diversion", confidence="probable", permit_number="PERMIT-REDACTED-1",
            product_id="mx-15d", serial="REDACTED-SN-1", observed_user_id="az-armed-forces", observed_country="AZ",
            observed_on=date(2020, 10, 20), reasons=[], candidates=[], decided_at="2020-10-25T12:00:00+00:00"))


def test_finding_is_known_from_its_decision_and_weighs_on_the_route(case):
    _record_finding(case)
    before = assess_permit(case.uow(), person("system"), "PERMIT-REDACTED-2", date(2020, 10, 24)).assessment
    assert before.indicator("diversion-history").severity.value == "none"
    after = assess_permit(case.uow(), person("system"), "PERMIT-REDACTED-2", date(2020, 10, 26)).assessment
    ind = after.indicator("diversion-history")
    assert ind.severity.value == "critical" and ind.date == date(2020, 10, 25)
    assert ind.evidence[0].ref == "S-NAMEPLATE" and "consignee Baykar" in ind.evidence[0].text
    app3 = assess(case.uow(), person("system"), "APP-REDACTED-3", date(2020, 10, 26)).assessment
    assert app3.indicator("diversion-history").severity.value == "critical"
    assert app3.recommendation.value == "deny"
