"""A permit's state on a date, its status history and the delivery rules."""

from datetime import date

import pytest

from endwatch.domain.deliveries import Retransfer, check_delivery
from endwatch.domain.permits import Permit, PermitState, PermitStatus, StatusChange, check_history, check_new_status
from endwatch.errors import RuleViolation

BASE = Permit("P-1", "exp", "con", "eu", "TR", "prod", 3, date(2020, 5, 8), date(2021, 6, 30))
SUSPENDED = StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 5), "allegations")
CANCELLED = StatusChange(PermitStatus.CANCELLED, date(2021, 4, 12), "review")


def with_history(*changes):
    return BASE.with_history(check_history(BASE, list(changes)))


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (date(2020, 5, 7), PermitState.NOT_YET_ISSUED),
        (date(2020, 5, 8), PermitState.IN_FORCE),
        (date(2020, 10, 1), PermitState.IN_FORCE),
        (date(2020, 10, 5), PermitState.SUSPENDED),
        (date(2021, 4, 12), PermitState.CANCELLED),
        (date(2022, 1, 1), PermitState.CANCELLED),
    ],
)
def test_state_follows_history(day, state):
    assert with_history(SUSPENDED, CANCELLED).state_on(day) is state


def test_expiry_is_derived_from_the_date_and_inclusive():
    assert BASE.state_on(date(2021, 6, 30)) is PermitState.IN_FORCE
    assert BASE.state_on(date(2021, 7, 1)) is PermitState.EXPIRED


def test_reinstated_permit_is_in_force_again():
    p = with_history(SUSPENDED, StatusChange(PermitStatus.REINSTATED, date(2020, 11, 1), "cleared"))
    assert p.state_on(date(2020, 10, 20)) is PermitState.SUSPENDED
    assert p.state_on(date(2020, 11, 1)) is PermitState.IN_FORCE


@pytest.mark.parametrize(
    "changes",
    [
        [StatusChange(PermitStatus.REINSTATED, date(2020, 6, 1))],  # not suspended
        [CANCELLED, StatusChange(PermitStatus.REINSTATED, date(2021, 5, 1))],  # final
        [SUSPENDED, StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 6))],  # twice
        [StatusChange(PermitStatus.ISSUED, date(2020, 6, 1))],  # issued twice
    ],
)
def test_illegal_transitions_are_refused(changes):
    with pytest.raises(RuleViolation) as exc:
        check_history(BASE, changes)
    assert exc.value.rule == "status-transition"
    assert "permit P-1" in exc.value.records


def test_history_is_appended_never_backdated():
    p = with_history(SUSPENDED)
    with pytest.raises(RuleViolation, match="predates"):
        check_new_status(p, StatusChange(PermitStatus.REVOKED, date(2020, 9, 1)))


def test_delivery_rules():
    p = with_history(SUSPENDED)
    check_delivery(p, date(2020, 9, 15), 0, ["A"])
    with pytest.raises(RuleViolation, match="is suspended") as exc:
        check_delivery(p, date(2020, 10, 5), 0, ["A"])
    assert exc.value.rule == "permit-in-force"
    with pytest.raises(RuleViolation, match="not yet issued"):
        check_delivery(p, date(2020, 5, 1), 0, ["A"])
    with pytest.raises(RuleViolation, match="has expired"):
        check_delivery(BASE, date(2021, 7, 1), 0, ["A"])
    with pytest.raises(RuleViolation) as exc:
        check_delivery(p, date(2020, 9, 15), 2, ["A", "B"])
    assert exc.value.rule == "permit-quantity"


def test_retransfer_scope():
    one = Retransfer("P-1", "other", date(2021, 1, 1), "ref", "sn-1")
    every = Retransfer("P-1", "other", date(2021, 1, 1), "ref")
    assert one.covers("SN1", date(2021, 1, 1)) and not one.covers("SN2", date(2021, 1, 1))
    assert not one.covers("SN1", date(2020, 12, 31))
    assert every.covers("ANY", date(2021, 2, 1))
