"""From indicators to a recommendation: deny, refer, approve with conditions, approve; conclusions cite
the indicators behind them; as-of replays use only what was known."""

from __future__ import annotations

from tests.unit.risk.worlds import EMBARGO, PRESUMPTION, D, application, subject, world

from endwatch.domain.risk.model import Conflict, TransferReport
from endwatch.domain.risk.recommend import Condition, Recommendation, assess_subject

WAR = Conflict("war", "Test war", ("AM", "AZ"), D(2020, 9, 27), None, ("am", "az"), "press")


def test_nothing_found_is_approve():
    a = assess_subject(subject(), world(), D(2020, 5, 1))
    assert a.recommendation is Recommendation.APPROVE and a.conditions == ()
    assert a.conclusions[0].topic == "recommendation" and a.conclusions[0].indicators == ()


def test_integration_route_alone_is_approve_with_named_conditions():
    a = assess_subject(subject(application(consignee="integrator")), world(), D(2020, 5, 1))
    assert a.recommendation is Recommendation.APPROVE_WITH_CONDITIONS
    assert a.conditions == (Condition.RE_EXPORT_CONSENT_CLAUSE, Condition.POST_SHIPMENT_VERIFICATION)
    assert a.conclusions[0].indicators == ("onward-transfers",)
    assert any(c.topic == "diversion" and "onward-transfers" in c.indicators for c in a.conclusions)


def test_exception_under_presumption_is_refer():
    a = assess_subject(subject(exception="NATO co-operation programs"), world(policies=(PRESUMPTION,)),
                       D(2020, 5, 1))
    assert a.recommendation is Recommendation.REFER
    assert a.conclusions[0].indicators == ("destination-policy",)
    assert "senior review" in a.conclusions[0].text


def test_critical_indicator_is_deny():
    a = assess_subject(subject(), world(policies=(EMBARGO,)), D(2020, 1, 1))
    assert a.recommendation is Recommendation.DENY
    assert "destination-policy" in a.conclusions[0].indicators


def test_three_high_indicators_together_are_deny():
    app = application(consignee="integrator")
    later = application("A-9", consignee="integrator", end_user="az-af", received=D(2020, 8, 1))
    old_war = Conflict("old", "Old war", ("AZ",), D(2020, 7, 12), D(2020, 7, 16), (), "press")
    w = world(policies=(PRESUMPTION,), applications=(app, later), conflicts=(old_war,),
              transfers=(TransferReport("integrator", "AZ", "drones", D(2020, 6, 15), "press"),))
    a = assess_subject(subject(app, exception="NATO co-operation programs"), w, D(2020, 9, 1))
    highs = [i.code for i in a.indicators if i.severity.value == "high"]
    assert len(highs) >= 3
    assert a.recommendation is Recommendation.DENY
    assert set(a.conclusions[0].indicators) == set(highs)


def test_as_of_excludes_later_evidence():
    s = subject(application(end_user="az-af", consignee="integrator"))
    w = world(conflicts=(WAR,))
    before = assess_subject(s, w, D(2020, 9, 1))
    during = assess_subject(s, w, D(2020, 10, 1))
    assert before.indicator("armed-conflict").severity.value == "none"
    assert during.indicator("armed-conflict").severity.value == "critical"
    assert during.recommendation is Recommendation.DENY
