"""Bounded and scheduled status events (SQLite and PostgreSQL): an effective date lies within the permit's
validity and the horizon (ENDWATCH_MAX_FUTURE_DAYS); an event dated after today is scheduled, never blocks
an earlier-dated decision, and is superseded (audited) by one that makes it impossible, as the preview says."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.factories import ACTOR, permit, small_world
from tests.principals import person
from tests.two_signatures import apply_decision

from endwatch.domain.permits import PermitState, PermitStatus
from endwatch.errors import RuleViolation
from endwatch.services.authz import Role
from endwatch.services.enforcement import decisions, proposals
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.registry.permits import issue_permit

OFFICER = person("officer-1", Role.LICENSING_OFFICER)
ONE = Scope(permits=("P-1",))


@pytest.fixture
def world(ew):
    """One permit issued a year before the test clock's today, valid for three more years."""
    today = ew.clock().date()
    small_world(ew)
    issue_permit(ew.uow(), ACTOR, permit(issued_on=today - timedelta(days=365),
                                        expires_on=today + timedelta(days=3 * 365)))
    return ew, today


def _history(ew):
    with ew.reader() as uow:
        p = uow.permits.get("P-1")
        assert p is not None
        return [(c.status, c.effective_on) for c in p.history]


def test_a_date_beyond_the_horizon_or_outside_the_validity_is_refused(world):
    ew, today = world
    before = _history(ew)
    for day, words in ((date(9999, 12, 31), "more than 366 days ahead"),
                       (today - timedelta(days=400), "before the permit was issued")):
        with pytest.raises(RuleViolation) as refused:
            proposals.propose_decision(ew.uow(), OFFICER, ONE, Action.suspend, day, "r", "ref")
        assert refused.value.rule == "effective-date" and words in refused.value.detail
        assert refused.value.records == ["permit P-1"]
    with pytest.raises(RuleViolation) as narrow:
        proposals.propose_decision(ew.uow(), OFFICER, ONE, Action.suspend, today + timedelta(days=40), "r", "ref",
                                   max_future_days=30)
    assert "more than 30 days ahead" in narrow.value.detail and "ENDWATCH_MAX_FUTURE_DAYS" in narrow.value.detail
    assert _history(ew) == before
    with ew.reader() as uow:
        assert uow.proposals.list() == []


def test_a_scheduled_suspension_never_blocks_a_revocation_today_which_supersedes_it(world):
    ew, today = world
    next_month = today + timedelta(days=30)
    apply_decision(ew.uow(), OFFICER, ONE, Action.suspend, next_month, "planned", "S-1")
    assert _history(ew)[-1] == (PermitStatus.SUSPENDED, next_month)
    pv = decisions.preview(ew.reader(), ONE, Action.revoke, today)
    assert pv.problems == [] and pv.permits[0].superseded_text == [f"suspended on {next_month.isoformat()}"]
    out = apply_decision(ew.uow(), OFFICER, ONE, Action.revoke, today, "diverted", "R-1")
    assert out.preview.permits[0].supersedes
    assert _history(ew) == [(PermitStatus.ISSUED, today - timedelta(days=365)), (PermitStatus.REVOKED, today)]
    with ew.reader() as uow:
        p = uow.permits.get("P-1")
        assert p is not None and p.state_on(next_month) is PermitState.REVOKED
        audited = [(e.action, e.actor) for e in uow.audit.entries() if e.action == "permit.scheduled_superseded"]
    assert audited == [("permit.scheduled_superseded", "second-signatory")]


def test_a_scheduled_event_that_still_follows_is_kept_and_an_in_force_event_still_binds(world):
    ew, today = world
    apply_decision(ew.uow(), OFFICER, ONE, Action.revoke, today + timedelta(days=60), "later", "R-1")
    # A suspension today still allows the revocation in two months: nothing is superseded.
    out = apply_decision(ew.uow(), OFFICER, ONE, Action.suspend, today, "now", "S-1")
    assert out.preview.permits[0].supersedes == ()
    assert [s for s, _ in _history(ew)] == [PermitStatus.ISSUED, PermitStatus.SUSPENDED, PermitStatus.REVOKED]
    # The suspension is in force: a decision dated before it is refused (history in force is never rewritten).
    with pytest.raises(RuleViolation) as refused:
        proposals.propose_decision(ew.uow(), OFFICER, ONE, Action.revoke, today - timedelta(days=1), "r", "ref")
    assert refused.value.rule == "status-transition" and "predates the latest event in force" in refused.value.detail


def test_a_scheduled_event_is_cancelled_with_two_signatures(world):
    ew, today = world
    next_month = today + timedelta(days=30)
    apply_decision(ew.uow(), OFFICER, ONE, Action.suspend, next_month, "planned", "S-1")
    with pytest.raises(RuleViolation) as none:
        proposals.propose_cancel_scheduled(ew.uow(), OFFICER, "P-1", today + timedelta(days=31), "r", "ref")
    assert none.value.rule == "scheduled-event" and f"suspended on {next_month.isoformat()}" in none.value.detail
    p = proposals.propose_cancel_scheduled(ew.uow(), OFFICER, "P-1", next_month, "withdrawn by the minister", "W-1")
    assert p.describe() == f"cancel the suspended scheduled on {next_month.isoformat()}"
    assert proposals.current_preview(ew.reader(), p) is None
    assert _history(ew)[-1] == (PermitStatus.SUSPENDED, next_month)  # nothing changes on one signature
    with pytest.raises(RuleViolation) as same:
        proposals.confirm_proposal(ew.uow(), person("officer-1", Role.APPROVER), p.id)
    assert same.value.rule == "four-eyes"
    done = proposals.confirm_proposal(ew.uow(), person("approver-1", Role.APPROVER), p.id)
    assert done.outcome is None and done.proposal.status.value == "confirmed"
    assert _history(ew) == [(PermitStatus.ISSUED, today - timedelta(days=365))]
    with ew.reader() as uow:
        entries = [(e.action, e.actor) for e in uow.audit.entries() if e.entity == "permit"]
    assert entries[-1] == ("permit.scheduled_cancelled", "approver-1")


def test_an_event_in_force_is_not_cancelled(world):
    ew, today = world
    apply_decision(ew.uow(), OFFICER, ONE, Action.suspend, today, "now", "S-1")
    with pytest.raises(RuleViolation) as refused:
        proposals.propose_cancel_scheduled(ew.uow(), OFFICER, "P-1", today, "r", "ref")
    assert refused.value.rule == "scheduled-event" and "an event in force is not cancelled" in refused.value.detail


def test_application_decisions_are_dated_between_receipt_and_today(ew):
    from endwatch.domain.permits import Application
    from endwatch.services.assessment.decisions import decide
    from endwatch.services.registry.applications import receive_application

    today = ew.clock().date()
    small_world(ew)
    receive_application(ew.uow(), ACTOR, Application("A-1", "m", "c", "n", "TR", "s", 1, today - timedelta(days=10)))
    approver = person("approver-1", Role.APPROVER)
    for on, words in ((today + timedelta(days=1), "is in the future"),
                      (today - timedelta(days=11), "predates the day it was received")):
        with pytest.raises(RuleViolation) as refused:
            decide(ew.uow(), approver, "A-1", "hold", reason="r", on=on)
        assert refused.value.rule == "decision-date" and words in refused.value.detail
    assert decide(ew.uow(), approver, "A-1", "hold", reason="r", on=today).decided_on == today
