"""Two signatures on a case's enforcement decision: one person proposes it, a different person confirms it.

`propose` stores the decision (action, effective date, reason, reference, whether to hold applications)
with what its preview showed, and writes nothing else. `confirm` applies it exactly as
`decisions.apply` does, in the same transaction as recording the confirmation: the preview is
recomputed, and when a permit in scope can no longer take the change (or the decision would now reach
other permits or applications than were proposed) nothing is written. `reject` and `withdraw` close a
proposal without applying it. A proposal is decided once; the proposer never confirms. Every step is audited
under the case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date

from endwatch.domain.proposals import (
    Proposal,
    ProposalStatus,
    check_matches,
    check_may_withdraw,
    check_open,
    check_second_signature,
    decided,
)
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action as Permission
from endwatch.services.authz import Principal, require_signature
from endwatch.services.enforcement import decisions
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class Confirmed:
    """A confirmed proposal and the decision it applied."""

    proposal: Proposal
    outcome: decisions.Outcome


def _stamp(uow: UnitOfWork) -> str:
    return uow.now().astimezone(UTC).isoformat(timespec="microseconds")


def _action(action: str) -> Action:
    if action not in Action.__members__:
        raise InvalidInput([Problem(f"{action!r} is not suspend, reinstate or revoke", column="action")])
    return Action(action)


def _scope(p: Proposal) -> Scope:
    return Scope(case=p.case_id)


def _get(uow: UnitOfWork, case_id: str, proposal_id: int) -> Proposal:
    p = uow.proposals.get(proposal_id)
    if p is None or p.case_id != case_id:
        raise NotFound("proposal", f"{case_id}/{proposal_id}")
    return p


def _decide(uow: UnitOfWork, p: Proposal) -> None:
    if not uow.proposals.decide(p):  # decided by someone else since we read it
        current = uow.proposals.get(p.id or 0)
        check_open(current or p)
        raise RuleViolation("proposal-decided", f"proposal {p.id} was decided meanwhile", p.records)


def propose(uow: UnitOfWork, principal: Principal, case_id: str, action: str, effective_on: date, reason: str,
            reference: str, *, hold_applications: bool = True) -> Proposal:
    """Propose applying a case's recommendations; nothing else is written.

    Refused as `enforcement.apply` would refuse the decision itself (InvalidInput without a reason or reference
    or with nothing in scope; RuleViolation `status-transition`), and with RuleViolation `proposal-pending`
    while another proposal on the case awaits a decision.
    """
    act = _action(action)
    decisions.check_reason(reason, reference)
    require_signature(principal, f"a decision on case {case_id}", [f"case {case_id}"])
    with write(uow, principal, Permission.ENFORCEMENT_PROPOSE) as w:
        if uow.cases.case(case_id) is None:
            raise NotFound("case", case_id)
        waiting = uow.proposals.list(case_id, ProposalStatus.PROPOSED)
        if waiting:
            first = waiting[0]
            raise RuleViolation("proposal-pending",
                                f"case {case_id} already has proposal {first.id} ({first.describe()}, by"
                                f" {first.proposed_by}) awaiting a decision; it must be confirmed, rejected or"
                                " withdrawn first", first.records)
        hold = hold_applications and act is not Action.reinstate
        pv = decisions.checked_preview(uow, Scope(case=case_id), act, effective_on,
                                         hold_applications=hold, reason=reason, reference=reference)
        p = Proposal(None, case_id, act.value, effective_on, reason.strip(), reference.strip(), hold,
                     principal.username, _stamp(uow), tuple(i.permit.number for i in pv.permits),
                     tuple(a.number for a in pv.applications), pv.exporters)
        p = replace(p, id=uow.proposals.add(p))
        w.record(action="enforcement.propose", entity="case", key=case_id, after=p, reason=p.reason)
    return p


def confirm(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int) -> Confirmed:
    """Confirm a proposal (the second signature) and apply its decision, all in one transaction.

    RuleViolation `four-eyes` when the principal proposed it or signs on someone's behalf, `proposal-decided`
    when it was already decided,
    `status-transition` when a permit in scope can no longer take the change, `proposal-scope` when the
    decision would now change other permits or applications than those proposed. Nothing is written then.
    """
    require_signature(principal, f"proposal {proposal_id}", [f"proposal {proposal_id}", f"case {case_id}"])
    with write(uow, principal, Permission.ENFORCEMENT_DECIDE) as w:
        # The write holds the lock from its first read: two confirmations of one proposal run one after the
        # other, and the second sees the first's decision.
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        check_second_signature(p, principal.username)
        pv = decisions.checked_preview(uow, _scope(p), Action(p.action), p.effective_on,
                                         hold_applications=p.hold_applications, reason=p.reason,
                                         reference=p.reference)
        check_matches(p, [i.permit.number for i in pv.permits], [a.number for a in pv.applications])
        outcome = decisions.record_decision(w, pv, p.reason, p.reference)
        done = decided(p, ProposalStatus.CONFIRMED, principal.username, _stamp(uow), action_id=outcome.action_id)
        _decide(uow, done)
        w.record(action="enforcement.confirm", entity="case", key=case_id, before=p, after=done,
                 reason=f"second signature on proposal {p.id} by {p.proposed_by}")
    return Confirmed(done, outcome)


def reject(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int, reason: str) -> Proposal:
    """Reject a proposal with a reason; nothing is applied. A rejection is the second person's decision, so it is
    signed in person like a confirmation (RuleViolation `four-eyes` for a delegate or a service account)."""
    if not reason.strip():
        raise InvalidInput([Problem("a reason for the rejection is required", column="reason")])
    require_signature(principal, f"the rejection of proposal {proposal_id}",
                      [f"proposal {proposal_id}", f"case {case_id}"])
    with write(uow, principal, Permission.ENFORCEMENT_DECIDE) as w:
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        done = decided(p, ProposalStatus.REJECTED, principal.username, _stamp(uow), reason.strip())
        _decide(uow, done)
        w.record(action="enforcement.reject", entity="case", key=case_id, before=p, after=done,
                 reason=reason.strip())
    return done


def withdraw(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int, reason: str = "") -> Proposal:
    """The proposer takes the proposal back; nothing is applied. Forbidden for anyone else."""
    with write(uow, principal, Permission.ENFORCEMENT_PROPOSE) as w:
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        check_may_withdraw(p, principal.username)
        done = decided(p, ProposalStatus.WITHDRAWN, principal.username, _stamp(uow), reason.strip() or None)
        _decide(uow, done)
        w.record(action="enforcement.withdraw", entity="case", key=case_id, before=p, after=done,
                 reason=reason.strip())
    return done


def list_proposals(uow: UnitOfWork, case_id: str | None = None, *, open_only: bool = False) -> list[Proposal]:
    """Proposals, oldest first: of one case (NotFound for an unknown case) or of every case; only those
    awaiting a decision with `open_only`."""
    with uow:
        if case_id is not None and uow.cases.case(case_id) is None:
            raise NotFound("case", case_id)
        return uow.proposals.list(case_id, ProposalStatus.PROPOSED if open_only else None)


def get_proposal(uow: UnitOfWork, case_id: str, proposal_id: int) -> Proposal:
    """One proposal of a case (NotFound otherwise)."""
    with uow:
        return _get(uow, case_id, proposal_id)


def current_preview(uow: UnitOfWork, p: Proposal) -> decisions.Preview:
    """What confirming the proposal would do now (nothing is written)."""
    return decisions.preview(uow, _scope(p), Action(p.action), p.effective_on,
                               hold_applications=p.hold_applications)
