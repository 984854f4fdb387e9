"""The armed-conflict indicator on the real UCDP/PRIO Armed Conflict Dataset (v24.1, as re-saved:
tests/data/realdata): roles and intensity weighed, each conflict cited once, known from a date.

UCDP data: CC BY 4.0; Davies, Pettersson and Öberg (2024), Gleditsch et al. (2002)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from tests.unit.risk.worlds import FULL, PRODUCTS

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import Application
from endwatch.domain.risk import conflict
from endwatch.domain.risk.model import Conflict, ConflictRole, Role, Severity, Subject, World
from endwatch.domain.risk.recommend import Recommendation, assess_subject
from endwatch.services.assessment.ucdp import read_ucdp

UCDP = Path(__file__).resolve().parents[2] / "data" / "realdata" / "ucdp-prio-acd-v24.1.csv"
D = date
STATES = {"CA": "Canada", "DE": "Germany", "GB": "United Kingdom", "TR": "Turkiye", "AZ": "Azerbaijan",
          "AM": "Armenia"}


def _parties() -> dict[str, Party]:
    found = {"maker": Party("maker", "Maker Optics", PartyKind.COMPANY, "CA")}
    for code, name in STATES.items():
        state = code.lower()
        found[state] = Party(state, name, PartyKind.STATE, code)
        found[f"{state}-af"] = Party(f"{state}-af", f"{name} Armed Forces", PartyKind.ARMED_FORCE, code, state)
        found[f"{state}-co"] = Party(f"{state}-co", f"{name} Trading Co", PartyKind.COMPANY, code)
    return found


@cache
def _conflicts(known_on: date) -> tuple[Conflict, ...]:
    return tuple(read_ucdp(UCDP, known_on, release="v24.1"))


def _world(known_on: date = D(2019, 1, 1)) -> World:
    return World(_parties(), PRODUCTS, conflicts=_conflicts(known_on))


def _subject(country: str, end_user: str = "af") -> Subject:
    user = f"{country.lower()}-{end_user}"
    app = Application("A-1", "maker", user, user, country, "turret", 2, D(2020, 1, 10), FULL)
    return Subject.of_application(app)


@pytest.mark.parametrize("country", ["CA", "DE", "GB"])
def test_not_states_at_war_on_2020_06_01(country):
    ind = conflict.assess(_subject(country), _world(), D(2020, 6, 1))
    # They are secondary supporters of minor conflicts elsewhere (Mali, Iraq): recorded, weighed low.
    assert ind.severity.rank < Severity.HIGH.rank
    assert ind.evidence and all("secondary supporter" in e.text for e in ind.evidence)
    assert "a primary party" not in ind.summary and "the location" not in ind.summary


def test_azerbaijan_in_october_2020_is_location_and_primary_party_of_a_war():
    ind = conflict.assess(_subject("AZ"), _world(), D(2020, 10, 15))
    assert ind.severity is Severity.CRITICAL
    cited = [e for e in ind.evidence if e.ref.startswith("ucdp-388-")]
    assert len(cited) == 1  # the destination and the end user's state, combined in one citation
    text = cited[0].text
    assert cited[0].ref == "ucdp-388-2020"
    assert "The destination AZ and the end user Azerbaijan Armed Forces is the location and a primary party" \
           " (side A, Government of Azerbaijan)" in text
    assert "a war (intensity 2)" in text and "from 2020-07-16, under way" in text
    assert "Government of Turkey (secondary, side A)" in text and "Government of Armenia (secondary, side B)" in text
    assert assess_subject(_subject("AZ"), _world(), D(2020, 10, 15)).recommendation is Recommendation.DENY


def test_azerbaijan_before_the_war_of_2020():
    assert conflict.assess(_subject("AZ"), _world(), D(2020, 6, 1)).severity is Severity.NONE


def test_armenia_is_cited_as_secondary_supporter_of_side_b():
    ind = conflict.assess(_subject("AM", "co"), _world(), D(2020, 10, 15))
    nk = next(e for e in ind.evidence if e.ref == "ucdp-388-2020")
    assert "a secondary supporter (of side B, Government of Armenia)" in nk.text and "a war (intensity 2)" in nk.text
    assert ind.severity is Severity.MEDIUM  # lower than a primary party
    # Higher when the declared end user is the supporting state's armed force.
    assert conflict.assess(_subject("AM", "af"), _world(), D(2020, 10, 15)).severity is Severity.HIGH


def test_turkiye_roles_and_its_own_conflicts_with_their_real_intensity():
    result = assess_subject(_subject("TR", "co"), _world(), D(2020, 10, 15))
    ind = result.indicator("armed-conflict")
    texts = {e.ref: e.text for e in ind.evidence}
    assert "a secondary supporter (of side A, Government of Turkey)" in texts["ucdp-388-2020"]
    assert "Government of Turkey vs PKK over Kurdistan (UCDP 354)" in texts["ucdp-354-2020"]
    assert "the location and a primary party (side A, Government of Turkey)" in texts["ucdp-354-2020"]
    assert "a minor armed conflict (intensity 1)" in texts["ucdp-354-2020"]
    # Every conflict once.
    assert len(ind.evidence) == len({e.ref.rsplit("-", 1)[0] for e in ind.evidence})
    assert ind.severity is Severity.MEDIUM
    assert result.recommendation is Recommendation.APPROVE_WITH_CONDITIONS
    lead = result.conclusions[0].text
    assert "PKK" in lead and "minor armed conflict" in lead and "Nagorno-Karabakh" in lead


def test_evidence_counts_from_when_it_was_known():
    # The same dataset, released in June 2024: an assessment as of October 2020 cannot have seen it.
    late = _world(known_on=D(2024, 6, 1))
    assert conflict.assess(_subject("AZ"), late, D(2020, 10, 15)).severity is Severity.NONE
    ind = conflict.assess(_subject("AZ"), late, D(2024, 6, 1))
    assert ind.evidence and ind.evidence[0].date == D(2024, 6, 1)


def test_a_peace_or_training_mission_is_not_a_conflict():
    war = Conflict("w", "A war", ("AZ", "CA"), D(2020, 1, 1), None, (), "test", 2,
                   (ConflictRole(Role.PRIMARY, "AZ", "A"), ConflictRole(Role.MISSION, "CA", "", "training mission")))
    w = World(_parties(), PRODUCTS, conflicts=(war,))
    assert conflict.assess(_subject("CA"), w, D(2020, 6, 1)).severity is Severity.NONE
    assert conflict.assess(_subject("AZ"), w, D(2020, 6, 1)).severity is Severity.CRITICAL


def test_a_minor_conflict_weighs_less_than_a_war_and_an_ended_one_less_still():
    minor = Conflict("m", "A minor conflict", ("AZ",), D(2020, 1, 1), D(2020, 3, 1), (), "test", 1,
                     (ConflictRole(Role.LOCATION, "AZ"), ConflictRole(Role.PRIMARY, "AZ", "A")))
    w = World(_parties(), PRODUCTS, conflicts=(minor,))
    assert conflict.assess(_subject("AZ"), w, D(2020, 2, 1)).severity is Severity.MEDIUM
    assert conflict.assess(_subject("AZ"), w, D(2020, 6, 1)).severity is Severity.LOW


SIPRI = UCDP.parent / "sipri-trade-register-sample.csv"


def test_register_transfers_from_the_end_users_state_to_a_state_at_war_weigh_as_onward():
    from dataclasses import replace

    from endwatch.domain.risk import onward
    from endwatch.services.assessment.sipri import read_sipri

    w = replace(_world(), transfers=tuple(read_sipri(SIPRI, D(2019, 1, 1))))
    ind = onward.assess(_subject("TR"), w.known_by(D(2020, 10, 15)), D(2020, 10, 15))
    assert ind.severity is Severity.CRITICAL
    tb2 = next(e for e in ind.evidence if "Bayraktar TB2" in e.text)
    assert "TR reportedly transferred Bayraktar TB2 (armed UAV) to Azerbaijan (AZ)" in tb2.text
    assert "ordered 12? in 2020?; delivered 12 in 2020" in tb2.text
    # Only recipients at war count (a state's own arms exports are not diversion in themselves): in June 2019
    # Azerbaijan was not at war, so no transfer to it is cited; deals ordered later are not known yet.
    before = onward.assess(_subject("TR"), w.known_by(D(2019, 6, 1)), D(2019, 6, 1))
    assert before.evidence and not any("Azerbaijan" in e.text for e in before.evidence)
    assert all("in 2024" not in e.text and "in 2020" not in e.text for e in before.evidence)


@pytest.mark.parametrize("country", ["TR", "AZ", "AM", "CA"])
def test_the_inputs_kept_give_the_same_assessment_as_the_whole_world(country):
    from dataclasses import replace

    from endwatch.services.assessment.inputs import address, from_inputs, relevant, resolve, to_inputs
    from endwatch.services.assessment.sipri import read_sipri

    day = D(2020, 10, 15)
    whole = replace(_world(), transfers=tuple(read_sipri(SIPRI, D(2019, 1, 1)))).known_by(day)
    s = _subject(country)
    kept = relevant(s, whole)
    assert len(kept.conflicts) < len(whole.conflicts) and len(kept.transfers) < len(whole.transfers)
    inputs, bodies = address(to_inputs(s, whole))
    subject, again = from_inputs(resolve(inputs, lambda ds: {d: bodies[d][1] for d in ds}))
    assert assess_subject(subject, again, day) == assess_subject(s, whole, day)
