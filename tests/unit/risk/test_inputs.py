"""Stored inputs reproduce an assessment exactly, with every kind of evidence, without the registry."""

from __future__ import annotations

import json

from tests.unit.risk.worlds import PRESUMPTION, D, application, permit, subject, world

from endwatch.domain.risk.model import CheckRecord, Conflict, FindingRecord, ScreeningHit, TransferReport
from endwatch.domain.risk.recommend import assess_subject
from endwatch.services.assessment.inputs import from_inputs, to_inputs


def _rich_world():
    p = permit(app=application("A-0", consignee="integrator"), exception="NATO co-operation programs")
    later = [application(f"A-{i}", consignee="integrator", end_user="az-af", received=D(2020, 9, i)) for i in (1, 2)]
    return world(
        policies=(PRESUMPTION,), permits=(p,), applications=(application("A-0", consignee="integrator"), *later),
        conflicts=(Conflict("war", "Test war", ("AM", "AZ"), D(2020, 9, 27), D(2020, 11, 10), ("am",), "press"),),
        transfers=(TransferReport("integrator", "AZ", "drones", D(2020, 6, 15), "press", "az"),),
        hits=(ScreeningHit("az-af", "Azerbaijani Air Force", "e1", "PublicBody", "AZ Air Force", "AZ Air Force",
                           88.0, "sample", D(2020, 3, 1)),),
        findings=(FindingRecord("S-1", "diversion", D(2020, 10, 2), D(2020, 10, 3), "probable", "P-1", "az-af",
                                "AZ"),),
        checks=(CheckRecord(7, "inventory", D(2020, 10, 1), "unfavourable", "two items missing", ("P-1",), ("az-af",),
                            ("integrator",), ("AZ",)),
                CheckRecord(8, "inventory", D(2020, 10, 1), "favourable", "", ("P-1",), ("az-af",), ("integrator",),
                            ("AZ",)),
                CheckRecord(9, "inventory", D(2020, 10, 9), "unfavourable", "known after the day", ("P-1",),
                            ("az-af",), ("integrator",), ("AZ",))),
        count_checks=True,
    )


def test_inputs_round_trip_through_json_reproduces_the_assessment():
    w = _rich_world()
    s = subject(application("A-0", consignee="integrator"), exception="NATO co-operation programs")
    day = D(2020, 10, 5)
    original = assess_subject(s, w, day)
    stored = json.loads(json.dumps(to_inputs(s, w.known_by(day))))
    s2, w2 = from_inputs(stored)
    again = assess_subject(s2, w2, day)
    assert again == original
    assert {i.code: i.severity.value for i in original.indicators} == {
        "destination-policy": "high", "armed-conflict": "high", "onward-transfers": "critical",
        "conflicting-declarations": "critical", "diversion-history": "critical", "screening": "none",
        "end-use-undertaking": "none", "end-use-checks": "high"}
    checked = next(i for i in original.indicators if i.code == "end-use-checks")
    assert [e.ref for e in checked.evidence] == ["7"]  # not the favourable one, nor the one done after the day


def test_several_declarations_for_one_end_user_are_one_piece_of_evidence():
    w = _rich_world()
    s = subject(application("A-0", consignee="integrator"))
    ind = assess_subject(s, w, D(2020, 9, 20)).indicator("conflicting-declarations")
    assert len(ind.evidence) == 1
    assert ind.evidence[0].ref == "A-1, A-2" and ind.evidence[0].date == D(2020, 9, 2)
    assert "2 applications or permits" in ind.evidence[0].text


def test_a_conflict_that_ended_later_was_under_way_on_the_day():
    w = _rich_world().known_by(D(2020, 10, 1))
    assert w.conflicts[0].ended_on is None
    assert w.known_by(D(2020, 10, 1)) is w
