"""Each indicator on small hand-made worlds: what it finds, how severe, its evidence, its date, its criteria."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.risk.worlds import EMBARGO, PARTIES, PRESUMPTION, D, application, permit, subject, world

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import EndUseUndertaking
from endwatch.domain.risk import conflict, declarations, diversion, onward, policy, screening, undertaking
from endwatch.domain.risk.criteria import CRITERIA
from endwatch.domain.risk.model import Conflict, FindingRecord, ScreeningHit, Severity, TransferReport
from endwatch.domain.risk.registry import GATED, INDICATORS, run_indicators

WAR = Conflict("war", "Test war", ("AM", "AZ"), D(2020, 9, 27), D(2020, 11, 10), ("am", "az"), "press")
TO_AZ = TransferReport("integrator", "AZ", "drones", D(2020, 6, 15), "press", "az")


def test_every_indicator_is_registered_and_cites_known_criteria():
    assert list(INDICATORS) == ["destination-policy", "armed-conflict", "onward-transfers",
                                "conflicting-declarations", "diversion-history", "screening", "end-use-undertaking"]
    assert list(GATED) == ["overdue-answers", "end-use-checks"]
    for ind in run_indicators(subject(), world(), D(2020, 5, 1)):
        assert ind.criteria and set(ind.criteria) <= set(CRITERIA)
        assert ind.severity is Severity.NONE and ind.summary.endswith(".")


# 1. destination policy


def test_policy_none_in_force():
    ind = policy.assess(subject(), world(policies=(PRESUMPTION,)), D(2020, 1, 1))
    assert ind.severity is Severity.NONE and ind.evidence == ()


def test_policy_embargo_is_critical():
    ind = policy.assess(subject(), world(policies=(EMBARGO,)), D(2020, 1, 1))
    assert ind.severity is Severity.CRITICAL
    assert ind.evidence[0].ref == "tr-emb" and ind.date == D(2019, 10, 11)
    assert "ATT-6" in ind.criteria


def test_policy_presumption_without_exception_is_critical():
    ind = policy.assess(subject(), world(policies=(PRESUMPTION,)), D(2020, 5, 1))
    assert ind.severity is Severity.CRITICAL
    assert "no exception is relied on" in ind.summary and "NATO co-operation programs" in ind.summary


def test_policy_presumption_with_named_exception_is_high_and_names_it():
    ind = policy.assess(subject(exception="nato co-operation  programs"), world(policies=(PRESUMPTION,)),
                        D(2020, 5, 1))
    assert ind.severity is Severity.HIGH
    assert "'NATO co-operation programs'" in ind.summary
    assert [e.kind for e in ind.evidence] == ["policy", "exception"]


def test_policy_unknown_exception_is_critical():
    ind = policy.assess(subject(exception="friendship"), world(policies=(PRESUMPTION,)), D(2020, 5, 1))
    assert ind.severity is Severity.CRITICAL and "'friendship'" in ind.summary


def test_policy_of_the_end_users_state_counts_too():
    az_embargo = EMBARGO.__class__("az-emb", "AZ", EMBARGO.measure, ("*",), D(2019, 1, 1))
    s = subject(application(end_user="az-af"))
    assert policy.assess(s, world(policies=(az_embargo,)), D(2020, 5, 1)).severity is Severity.CRITICAL


# 2. armed conflict


def test_conflict_of_end_users_state_under_way_is_critical():
    s = subject(application(end_user="az-af", consignee="integrator"))
    ind = conflict.assess(s, world(conflicts=(WAR,)), D(2020, 10, 1))
    assert ind.severity is Severity.CRITICAL
    assert ind.evidence[0].ref == "war" and ind.date == D(2020, 9, 27)


def test_conflict_of_onward_recipient_is_high_and_cites_the_transfer():
    s = subject(application(consignee="integrator"))
    ind = conflict.assess(s, world(conflicts=(WAR,), transfers=(TO_AZ,)), D(2020, 10, 1))
    assert ind.severity is Severity.HIGH
    assert {e.kind for e in ind.evidence} == {"transfer", "conflict"}
    assert "receives onward transfers" in ind.summary


def test_conflict_not_yet_known_is_ignored_and_recent_one_still_weighs():
    s = subject(application(end_user="az-af"))
    w = world(conflicts=(WAR,))
    assert conflict.assess(s, w.known_by(D(2020, 9, 1)), D(2020, 9, 1)).severity is Severity.NONE
    assert conflict.assess(s, w, D(2021, 3, 1)).severity is Severity.HIGH  # ended less than a year before
    assert conflict.assess(s, w, D(2022, 3, 1)).severity is Severity.NONE


# 3. onward transfers and integration route


def test_direct_supply_to_end_user_has_no_onward_risk():
    assert onward.assess(subject(), world(), D(2020, 5, 1)).severity is Severity.NONE


def test_integration_route_is_medium_diversion_risk():
    ind = onward.assess(subject(application(consignee="integrator")), world(), D(2020, 5, 1))
    assert ind.severity is Severity.MEDIUM
    assert "integration" in ind.summary and "ATT-11" in ind.criteria


def test_reported_onward_transfer_is_high_and_critical_once_recipient_is_at_war():
    s = subject(application(consignee="integrator"))
    w = world(transfers=(TO_AZ,), conflicts=(WAR,))
    assert onward.assess(s, w.known_by(D(2020, 7, 1)), D(2020, 7, 1)).severity is Severity.HIGH
    ind = onward.assess(s, w, D(2020, 10, 1))
    assert ind.severity is Severity.CRITICAL and ind.date == D(2020, 6, 15)


def test_end_user_in_another_state_than_destination_is_high():
    ind = onward.assess(subject(application(end_user="az-af")), world(), D(2020, 5, 1))
    assert ind.severity is Severity.HIGH and "re-exported" in ind.summary


# 4. conflicting declarations


def test_other_declarations_in_another_state_are_flagged_and_worse_at_war():
    p = permit(app=application("A-0", consignee="integrator"))
    later = application("A-2", consignee="integrator", end_user="az-af", product="turret-b", received=D(2020, 9, 14))
    s = subject(application("A-0", consignee="integrator"))
    w = world(permits=(p,), applications=(application("A-0", consignee="integrator"), later), conflicts=(WAR,))
    assert declarations.assess(s, w.known_by(D(2020, 9, 1)), D(2020, 9, 1)).severity is Severity.NONE
    mid = declarations.assess(s, w.known_by(D(2020, 9, 20)), D(2020, 9, 20))
    assert mid.severity is Severity.MEDIUM and mid.evidence[0].ref == "A-2"
    assert declarations.assess(s, w, D(2020, 10, 1)).severity is Severity.CRITICAL


def test_other_product_family_or_unrelated_route_is_not_a_conflicting_declaration():
    other_family = application("A-3", end_user="az-af", product="radio")
    other_route = application("A-4", end_user="az-af", exporter="someone", consignee="az-af")
    w = world(applications=(application(), other_family, other_route))
    assert declarations.assess(subject(), w, D(2020, 5, 1)).severity is Severity.NONE


# 5. diversion history


def test_diversion_finding_on_the_consignees_permit_is_critical_when_probable():
    p = permit(app=application("A-0", consignee="integrator"))
    finding = FindingRecord("S-1", "diversion", D(2020, 10, 20), D(2020, 10, 25), "probable", "P-1", "az-af", "AZ")
    s = subject(application(consignee="integrator"))
    w = world(permits=(p,), findings=(finding,))
    assert diversion.assess(s, w.known_by(D(2020, 10, 21)), D(2020, 10, 21)).severity is Severity.NONE
    ind = diversion.assess(s, w, D(2020, 11, 1))
    assert ind.severity is Severity.CRITICAL and ind.date == D(2020, 10, 25)
    assert "consignee Integrator Works" in ind.evidence[0].text


def test_anomaly_is_high_and_consistent_findings_are_ignored():
    anomaly = FindingRecord("S-2", "anomaly", D(2020, 3, 1), D(2020, 3, 2), None, None, "tr-navy", "TR")
    fine = FindingRecord("S-3", "consistent", D(2020, 3, 1), D(2020, 3, 2), "confirmed", None, "tr-navy", "TR")
    assert diversion.assess(subject(), world(findings=(fine,)), D(2020, 5, 1)).severity is Severity.NONE
    assert diversion.assess(subject(), world(findings=(anomaly, fine)), D(2020, 5, 1)).severity is Severity.HIGH


# 6. screening


def _hit(party: str, score: float) -> ScreeningHit:
    return ScreeningHit(party, "Integrator Works", "e-1", "Company", "Integrator Works LLC", "Integrator Works LLC",
                        score, "sample", D(2020, 2, 1))


def test_screening_strong_hit_is_critical_with_score_and_matched_name():
    s = subject(application(consignee="integrator"))
    ind = screening.assess(s, world(hits=(_hit("integrator", 97.0),)), D(2020, 5, 1))
    assert ind.severity is Severity.CRITICAL
    assert "'Integrator Works LLC'" in ind.evidence[0].text and "score 97" in ind.evidence[0].text


def test_screening_weak_hit_is_high_and_unrelated_or_later_hits_are_ignored():
    s = subject(application(consignee="integrator"))
    assert screening.assess(s, world(hits=(_hit("integrator", 88.0),)), D(2020, 5, 1)).severity is Severity.HIGH
    assert screening.assess(s, world(hits=(_hit("am", 99.0),)), D(2020, 5, 1)).severity is Severity.NONE
    w = world(hits=(_hit("integrator", 99.0),)).known_by(D(2020, 1, 1))
    assert screening.assess(s, w, D(2020, 1, 1)).severity is Severity.NONE


def test_screening_strong_is_the_authoritys_setting_carried_by_the_hit():
    s = subject(application(consignee="integrator"))
    strong_at_90 = replace(_hit("integrator", 90.0), strong=True)  # screened with ENDWATCH_SCREENING_STRONG=90
    assert screening.assess(s, world(hits=(strong_at_90,)), D(2020, 5, 1)).severity is Severity.CRITICAL
    weak_at_99 = replace(_hit("integrator", 99.0), strong=False)  # screened with the strong score above 99
    assert screening.assess(s, world(hits=(weak_at_99,)), D(2020, 5, 1)).severity is Severity.HIGH
    # A hit stored before the setting existed is strong at the default score, 95.
    assert _hit("integrator", 95.0).is_strong and not _hit("integrator", 94.9).is_strong


# 7. end-use undertaking


def test_undertaking_complete_incomplete_and_minor_gaps():
    assert undertaking.assess(subject(), world(), D(2020, 5, 1)).severity is Severity.NONE
    bare = application(undertaking=EndUseUndertaking("", False, None, None))
    ind = undertaking.assess(subject(bare), world(), D(2020, 5, 1))
    assert ind.severity is Severity.HIGH
    assert len(ind.evidence) == 4 and "no end use is stated" in ind.summary
    unsigned = application(undertaking=EndUseUndertaking("patrol", True, None, D(2020, 1, 1)))
    assert undertaking.assess(subject(unsigned), world(), D(2020, 5, 1)).severity is Severity.MEDIUM


def test_declarations_sharing_only_the_exporter_weigh_two_levels_less():
    other = application("A-5", consignee="az-af", end_user="az-af", received=D(2020, 9, 1))
    w = world(applications=(application(), other), conflicts=(WAR,))
    ind = declarations.assess(subject(), w, D(2020, 10, 1))
    assert ind.severity is Severity.MEDIUM  # critical (a state at war) lowered: only the exporter is shared


def test_onward_transfers_by_the_end_users_state_count_even_without_a_registered_parent():
    loose = {**PARTIES, "tr-army": Party("tr-army", "Turkish Land Forces", PartyKind.ARMED_FORCE, "TR")}
    by_state = TransferReport("tr", "LY", "armoured vehicles", D(2020, 1, 20), "register")
    ind = onward.assess(subject(application(end_user="tr-army", consignee="tr-army")),
                        world(parties=loose, transfers=(by_state,)), D(2020, 5, 1))
    assert ind.severity is Severity.HIGH and ind.evidence[-1].ref.startswith("tr->LY")
