"""A permit is issued on an application only once it is approved, and approval takes a decision
(with a second, different approver where the rules demand one)."""

from datetime import date

import pytest
from tests.principals import person

from endwatch.domain.permits import ApplicationStatus, EndUseUndertaking, Permit
from endwatch.errors import RuleViolation
from endwatch.services.assessment import decisions
from endwatch.services.registry.applications import set_application_status
from endwatch.services.registry.permits import issue_permit


def permit_for(application: str) -> Permit:
    return Permit("P-AZ", "wescam", "baykar", "az-air-force", "TR", "mx-15d", 1, date(2020, 10, 2),
                  date(2021, 10, 1), EndUseUndertaking("surveillance", True), application_number=application,
                  exception="NATO co-operation programs", justification="argued by the applicant")


def test_status_cannot_be_set_to_approved_or_denied_without_a_decision(case):
    for status in (ApplicationStatus.APPROVED, ApplicationStatus.DENIED):
        with pytest.raises(RuleViolation) as exc:
            set_application_status(case.uow(), person("officer"), "APP-REDACTED-3", status, date(2020, 9, 20),
                                   "shortcut")
        assert exc.value.rule == "decision-required"
    held = set_application_status(case.uow(), person("officer"), "APP-REDACTED-3", ApplicationStatus.ON_HOLD,
                                  date(2020, 9, 20), "waiting for the end-user certificate")
    assert held.status is ApplicationStatus.ON_HOLD


def test_permit_waits_for_the_second_signature(case):
    with pytest.raises(RuleViolation) as exc:
        issue_permit(case.uow(), person("officer"), permit_for("APP-REDACTED-3"))
    assert exc.value.rule == "application-approved" and "application APP-REDACTED-3" in exc.value.records

    decisions.decide(case.uow(), person("approver-1"), "APP-REDACTED-3", "approve", reason="exceptional",
                     on=date(2020, 10, 1), justification="a written justification",
                     exception="NATO co-operation programs")
    with pytest.raises(RuleViolation, match="on hold"):
        issue_permit(case.uow(), person("officer"), permit_for("APP-REDACTED-3"))
    with pytest.raises(RuleViolation) as exc:
        decisions.countersign(case.uow(), person("approver-1"),
                                       "APP-REDACTED-3", reason="me again", on=date(2020, 10, 1))
    assert exc.value.rule == "four-eyes"

    decisions.countersign(case.uow(), person("approver-2"), "APP-REDACTED-3", reason="agreed", on=date(2020, 10, 1))
    issued = issue_permit(case.uow(), person("officer"), permit_for("APP-REDACTED-3"))
    assert issued.application_number == "APP-REDACTED-3"
    assert issued.exception == "NATO co-operation programs"
