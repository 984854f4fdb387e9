"""The destination-policy rule for issuing permits."""

from datetime import date

import pytest

from endwatch.domain.policy import Measure, Policy, category_covered, check_issuance, policies_in_force
from endwatch.errors import RuleViolation

HALT = Policy("tr-halt", "TR", Measure.SUSPENSION, ("*",), date(2019, 10, 11), date(2020, 4, 15))
PRESUMPTION = Policy("tr-pod", "TR", Measure.PRESUMPTION_OF_DENIAL, ("2-*",), date(2020, 4, 16), None,
                     ("NATO co-operation programs",), "notice to exporters")
EMBARGO = Policy("xx-embargo", "SY", Measure.EMBARGO, ("*",), date(2011, 1, 1))


def issue(on, exception=None, justification=None, country="TR", categories=("2-15", "ML15")):
    return check_issuance([HALT, PRESUMPTION, EMBARGO], permit_number="P-1", country=country,
                          categories=categories, on=on, exception=exception, justification=justification)


def test_category_patterns():
    assert category_covered("*", "2-15")
    assert category_covered("2-*", "2-15")
    assert not category_covered("2-*", "ML15")
    assert category_covered("ml15", "ML15")
    assert not category_covered("2-1", "2-15")


def test_no_policy_means_no_restriction():
    basis = issue(date(2019, 1, 1))
    assert basis.measure is Measure.NONE and basis.policy_id is None


def test_suspension_of_new_permits_refuses_every_permit():
    with pytest.raises(RuleViolation) as exc:
        issue(date(2020, 1, 10), exception="NATO co-operation programs", justification="x")
    assert exc.value.rule == "destination-policy"
    assert "policy tr-halt" in exc.value.records
    assert "suspension of new permits" in exc.value.detail


def test_embargo_refuses():
    with pytest.raises(RuleViolation, match="arms embargo"):
        issue(date(2020, 1, 10), country="SY")


def test_presumption_of_denial_needs_a_named_exception():
    with pytest.raises(RuleViolation, match="named exceptions"):
        issue(date(2020, 5, 8))
    with pytest.raises(RuleViolation, match="not one of policy tr-pod"):
        issue(date(2020, 5, 8), exception="friendly relations", justification="because")


def test_presumption_of_denial_needs_a_written_justification():
    with pytest.raises(RuleViolation, match="written justification"):
        issue(date(2020, 5, 8), exception="NATO co-operation programs", justification="  ")


def test_presumption_with_exception_and_justification_is_recorded():
    basis = issue(date(2020, 5, 8), exception="nato  CO-OPERATION programs", justification="NATO programme")
    assert basis.policy_id == "tr-pod"
    assert basis.measure is Measure.PRESUMPTION_OF_DENIAL
    assert basis.exception == "NATO co-operation programs"  # the policy's own spelling
    assert basis.justification == "NATO programme"


def test_policy_outside_its_categories_does_not_apply():
    basis = issue(date(2020, 5, 8), categories=("ML15",))
    assert basis.measure is Measure.NONE


def test_policy_end_date_is_inclusive_and_most_restrictive_wins():
    assert [p.id for p in policies_in_force([HALT, PRESUMPTION], "TR", ["2-15"], date(2020, 4, 15))] == ["tr-halt"]
    assert [p.id for p in policies_in_force([HALT, PRESUMPTION], "TR", ["2-15"], date(2020, 4, 16))] == ["tr-pod"]
    both = Policy("tr-emb", "TR", Measure.EMBARGO, ("*",), date(2020, 1, 1))
    assert policies_in_force([PRESUMPTION, both], "TR", ["2-15"], date(2020, 5, 1))[0].id == "tr-emb"
