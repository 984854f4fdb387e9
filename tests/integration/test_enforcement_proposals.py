"""Two signatures on a case's enforcement decision (SQLite and PostgreSQL): an officer proposes, a different
person confirms and the decision is applied (`decisions.record_decision`); or it is rejected or
withdrawn. Refusals write nothing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from tests.integration.enforcement_world import BAYKAR_ROUTE, SUSPENDED_ON, diverted
from tests.principals import person
from tests.two_signatures import set_permit_status

from endwatch.domain.permits import ApplicationStatus, PermitState, PermitStatus, StatusChange
from endwatch.domain.proposals import ProposalStatus
from endwatch.errors import EndwatchError, Forbidden, InvalidInput, NotFound, RuleViolation
from endwatch.services.audit.verify import verify
from endwatch.services.casefiles import timeline
from endwatch.services.enforcement import proposals
from endwatch.services.registry.applications import set_application_status

REASON = "items diverted to a party to the armed conflict"
REFERENCE = "minister's decision of 5 October 2020"
HELD = {"APP-REDACTED-3", "APP-REDACTED-4"}


@pytest.fixture
def world(ew, tmp_path):
    """The reference case before the suspension, the nameplate decided as a diversion: CASE-0001 recommends
    suspending the Baykar route's permits, holding the Azerbaijani applications and notifying wescam."""
    return ew, diverted(ew, tmp_path)


def _propose(ew, case_id, actor="officer", **changes):
    args = {"action": "suspend", "effective_on": SUSPENDED_ON, "reason": REASON, "reference": REFERENCE, **changes}
    return proposals.propose(ew.uow(), person(actor), case_id, args["action"], args["effective_on"], args["reason"],
                             args["reference"])


def _written(ew):
    """Everything a decision writes (proposals aside), to compare before and after a refusal."""
    with ew.reader() as uow:
        return (
            {p.number: p.history for p in uow.permits.list()},
            {a.number: a.status for a in uow.applications.list()},
            [(a.id, a.status) for c in uow.cases.cases() for a in uow.cases.case_actions(c.id)],
            uow.enforcement.actions(),
            uow.enforcement.messages(),
        )


def _audit_count(ew):
    with ew.reader() as uow:
        return sum(1 for _ in uow.audit.entries())


def test_propose_writes_nothing_but_the_proposal_and_confirm_applies_it(world):
    ew, case_id = world
    before = _written(ew)
    p = _propose(ew, case_id)
    assert p.id is not None and p.status is ProposalStatus.PROPOSED and p.proposed_by == "officer"
    assert set(p.permits) == BAYKAR_ROUTE and set(p.applications) == HELD and p.exporters == ("wescam",)
    assert p.hold_applications and p.proposed_at.startswith("2020-10-25")
    assert _written(ew) == before  # proposed only: no status event, no hold, no decision, no message
    with ew.reader() as uow:
        assert uow.audit.for_entity("case", case_id)[-1].action == "enforcement.propose"

    done = proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    assert done.proposal.status is ProposalStatus.CONFIRMED and done.proposal.decided_by == "approver"
    assert done.proposal.decided_at and done.proposal.enforcement_action_id == done.outcome.action_id
    assert proposals.get_proposal(ew.reader(), case_id, p.id) == done.proposal
    with ew.reader() as uow:
        for number in BAYKAR_ROUTE:
            permit = uow.permits.get(number)
            assert permit.state_on(date(2020, 10, 6)) is PermitState.SUSPENDED
            assert permit.history[-1] == StatusChange(PermitStatus.SUSPENDED, SUSPENDED_ON, REASON, REFERENCE)
        apps = {a.number: a.status for a in uow.applications.list()}
        assert all(apps[n] is ApplicationStatus.ON_HOLD for n in HELD)
        assert {a.status for a in uow.cases.case_actions(case_id)} == {"applied"}
        (action,) = uow.enforcement.actions()
        assert action.id == done.outcome.action_id and action.decided_by == "approver"
        assert set(action.permits) == BAYKAR_ROUTE and action.case_id == case_id
        (message,) = uow.enforcement.messages()
        assert message.party_id == "wescam" and message.action_id == action.id and message.status == "pending"
        kinds = [e.action for e in uow.audit.for_entity("case", case_id)]
        assert kinds.index("enforcement.propose") < kinds.index("enforcement.confirm")
    assert verify(ew.reader).ok
    events = [e for e in timeline.case_timeline(ew.reader(), case_id) if e.kind == "proposal"]
    assert [e.actor for e in events] == ["officer", "approver"]
    assert "suspend from 2020-10-05 put forward for a second signature" in events[0].text
    assert f"applied as decision {action.id}" in events[1].text and "approver" not in events[1].text


def test_the_proposer_can_never_confirm(world):
    ew, case_id = world
    p = _propose(ew, case_id, actor="approver")  # an approver may propose too, but not sign twice
    before, entries = _written(ew), _audit_count(ew)
    with pytest.raises(RuleViolation) as refused:
        proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    assert refused.value.rule == "four-eyes" and f"proposal {p.id}" in refused.value.records
    assert _written(ew) == before and _audit_count(ew) == entries
    assert proposals.get_proposal(ew.reader(), case_id, p.id).is_open
    proposals.confirm(ew.uow(), person("admin"), case_id, p.id)  # someone else may
    assert proposals.get_proposal(ew.reader(), case_id, p.id).status is ProposalStatus.CONFIRMED


def test_a_proposal_is_decided_once(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    before, entries = _written(ew), _audit_count(ew)
    for attempt in (lambda: proposals.confirm(ew.uow(), person("admin"), case_id, p.id),
                    lambda: proposals.reject(ew.uow(), person("admin"), case_id, p.id, "too late"),
                    lambda: proposals.withdraw(ew.uow(), person("officer"), case_id, p.id)):
        with pytest.raises(RuleViolation) as refused:
            attempt()
        assert refused.value.rule == "proposal-decided" and "already confirmed by approver" in refused.value.detail
    assert _written(ew) == before and _audit_count(ew) == entries


def test_reject_with_a_reason_applies_nothing_and_frees_the_case_for_a_new_proposal(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    with pytest.raises(RuleViolation) as pending:
        _propose(ew, case_id, action="revoke")
    assert pending.value.rule == "proposal-pending" and f"proposal {p.id}" in pending.value.detail
    with pytest.raises(InvalidInput) as no_reason:
        proposals.reject(ew.uow(), person("approver"), case_id, p.id, "  ")
    assert no_reason.value.problems[0].column == "reason"
    before = _written(ew)
    rejected = proposals.reject(ew.uow(), person("approver"), case_id, p.id, "wait for the manufacturer's answer")
    assert rejected.status is ProposalStatus.REJECTED and rejected.decided_by == "approver"
    assert rejected.decision_reason == "wait for the manufacturer's answer" and rejected.enforcement_action_id is None
    assert _written(ew) == before
    with pytest.raises(RuleViolation) as again:
        proposals.reject(ew.uow(), person("admin"), case_id, p.id, "again")
    assert again.value.rule == "proposal-decided"
    texts = [e.text for e in timeline.case_timeline(ew.reader(), case_id) if e.kind == "proposal"]
    assert texts[-1] == f"proposal {p.id} rejected: wait for the manufacturer's answer"
    second = _propose(ew, case_id)
    assert second.id != p.id
    assert [x.id for x in proposals.list_proposals(ew.reader(), case_id, open_only=True)] == [second.id]
    assert [x.status for x in proposals.list_proposals(ew.reader(), case_id)] == [ProposalStatus.REJECTED,
                                                                                ProposalStatus.PROPOSED]


def test_only_the_proposer_withdraws(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    with pytest.raises(Forbidden):
        proposals.withdraw(ew.uow(), person("approver"), case_id, p.id)
    before = _written(ew)
    gone = proposals.withdraw(ew.uow(), person("officer"), case_id, p.id, "wrong date")
    assert gone.status is ProposalStatus.WITHDRAWN and gone.decision_reason == "wrong date"
    assert _written(ew) == before
    with pytest.raises(RuleViolation) as refused:
        proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    assert refused.value.rule == "proposal-decided" and "withdrawn by officer" in refused.value.detail
    events = [e for e in timeline.case_timeline(ew.reader(), case_id) if e.kind == "proposal"]
    assert events[-1].text == f"proposal {p.id} withdrawn by its proposer: wrong date" and events[-1].actor == "officer"


def test_confirmation_is_refused_when_a_permit_can_no_longer_take_the_change(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    # Meanwhile someone records a later suspension of one permit directly in the registry.
    set_permit_status(ew.uow(), person("admin"), "PERMIT-REDACTED-2",
                         StatusChange(PermitStatus.SUSPENDED, date(2020, 10, 7), "direct", "D-1"))
    before, entries = _written(ew), _audit_count(ew)
    with pytest.raises(RuleViolation) as refused:
        proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    assert refused.value.rule == "status-transition" and refused.value.records == ["permit PERMIT-REDACTED-2"]
    assert _written(ew) == before and _audit_count(ew) == entries  # not even PERMIT-REDACTED-1 changed
    assert proposals.get_proposal(ew.reader(), case_id, p.id).is_open  # still awaiting: it may be rejected


def test_confirmation_is_refused_when_the_decision_would_reach_other_records(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    assert "APP-REDACTED-3" in p.applications
    # Meanwhile an officer puts one of the applications to hold on hold already (another path).
    set_application_status(ew.uow(), person("officer"), "APP-REDACTED-3", ApplicationStatus.ON_HOLD,
                           SUSPENDED_ON, "review")
    before = _written(ew)
    with pytest.raises(RuleViolation) as refused:
        proposals.confirm(ew.uow(), person("approver"), case_id, p.id)
    assert refused.value.rule == "proposal-scope"
    assert "applications no longer in scope: APP-REDACTED-3" in refused.value.detail
    assert _written(ew) == before


def test_proposals_are_checked_like_the_decision_itself(world):
    ew, case_id = world
    with pytest.raises(InvalidInput) as bad:
        proposals.propose(ew.uow(), person("officer"), case_id, "cancel", SUSPENDED_ON, "", "")
    assert bad.value.problems[0].column == "action"
    with pytest.raises(InvalidInput) as missing:
        proposals.propose(ew.uow(), person("officer"), case_id, "suspend", SUSPENDED_ON, " ", "")
    assert {x.column for x in missing.value.problems} == {"reason", "reference"}
    with pytest.raises(NotFound):
        _propose(ew, "CASE-9999")
    with pytest.raises(NotFound):
        proposals.confirm(ew.uow(), person("approver"), case_id, 12345)
    with pytest.raises(RuleViolation) as early:  # the permits were issued in May 2020
        _propose(ew, case_id, effective_on=date(2020, 1, 1))
    assert early.value.rule == "effective-date" and "before the permit was issued" in early.value.detail
    assert proposals.list_proposals(ew.reader(), case_id) == []


def test_two_approvers_confirming_at_once_apply_it_once(world):
    ew, case_id = world
    p = _propose(ew, case_id)
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def run(i: int, who: str) -> None:
        barrier.wait()
        try:
            outcomes[i] = proposals.confirm(ew.uow(), person(who), case_id, p.id)
        except Exception as exc:  # collected and asserted on below
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, who)) for i, who in enumerate(("approver", "admin"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    confirmed = [o for o in outcomes if isinstance(o, proposals.Confirmed)]
    refused = [o for o in outcomes if isinstance(o, EndwatchError)]
    assert len(confirmed) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], RuleViolation) and refused[0].rule == "proposal-decided"
    with ew.reader() as uow:
        assert len(uow.enforcement.actions()) == 1 and len(uow.enforcement.messages()) == 1
        assert [h.status for h in uow.permits.get("PERMIT-REDACTED-1").history] == [PermitStatus.ISSUED,
                                                                                   PermitStatus.SUSPENDED]
