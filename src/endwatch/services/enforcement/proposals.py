"""Two signatures on every enforcement decision: one person proposes it, a different person confirms it.

This is the only way a permit is suspended, reinstated, revoked or cancelled, whatever the entry point
and whatever the scope: a case's recommendations (`propose`, `confirm`, ... under a case), permits named
one by one or filters such as an exporter or a destination (`propose_decision`, `confirm_proposal`, ...).
Proposing stores the decision (action, effective date, reason, reference, whether to hold applications)
with what its preview showed, and writes nothing else. Confirming applies it with
`decisions.record_decision`, in the same transaction as recording the confirmation: the preview is
recomputed, and when a permit in scope can no longer take the change (or the decision would now reach
other permits or applications than were proposed) nothing is written. Rejecting and withdrawing close a
proposal without applying it. A proposal is decided once; the proposer never confirms; every signature is
given in person (never on someone's behalf, never by a service account). Every step is audited, under the
case for a case's proposal, under the proposal otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date

from endwatch.domain.permits import (
    DEFAULT_MAX_FUTURE_DAYS,
    Permit,
    PermitStatus,
    StatusChange,
    check_history,
    scheduled_events,
)
from endwatch.domain.proposals import (
    CANCEL_SCHEDULED,
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
    """A confirmed proposal and the decision it applied (None for the cancellation of a scheduled event)."""

    proposal: Proposal
    outcome: decisions.Outcome | None


def _stamp(uow: UnitOfWork) -> str:
    return uow.now().astimezone(UTC).isoformat(timespec="microseconds")


# A case's decision carries out its recommendations (suspensions, holds), or undoes or hardens them.
_CASE_ACTIONS = (Action.suspend, Action.reinstate, Action.revoke)


def _case_action(action: str) -> Action:
    if action not in {a.value for a in _CASE_ACTIONS}:
        raise InvalidInput([Problem(f"{action!r} is not suspend, reinstate or revoke", column="action")])
    return Action(action)


def _scope(p: Proposal) -> Scope:
    return Scope.from_dict(p.scope) if p.scope else Scope(case=p.case_id)


def _get(uow: UnitOfWork, case_id: str | None, proposal_id: int) -> Proposal:
    """The proposal; under `case_id` when given (NotFound when it is another case's, or none)."""
    p = uow.proposals.get(proposal_id)
    if p is None or (case_id is not None and p.case_id != case_id):
        raise NotFound("proposal", f"{case_id}/{proposal_id}" if case_id else str(proposal_id))
    return p


def _audited_as(p: Proposal) -> tuple[str, str]:
    """(entity, key) of a proposal's audit entries: the case for a case's decision, else the proposal."""
    return ("case", p.case_id) if p.case_id else ("proposal", str(p.id))


def _decide(uow: UnitOfWork, p: Proposal) -> None:
    if not uow.proposals.decide(p):  # decided by someone else since we read it
        current = uow.proposals.get(p.id or 0)
        check_open(current or p)
        raise RuleViolation("proposal-decided", f"proposal {p.id} was decided meanwhile", p.records)


def propose(uow: UnitOfWork, principal: Principal, case_id: str, action: str, effective_on: date, reason: str,
            reference: str, *, hold_applications: bool = True,
            max_future_days: int = DEFAULT_MAX_FUTURE_DAYS) -> Proposal:
    """Propose applying a case's recommendations; nothing else is written.

    Refused as confirming it would be (InvalidInput without a reason or reference or with nothing in
    scope; RuleViolation `status-transition`), and with RuleViolation `proposal-pending`
    while another proposal on the case awaits a decision.
    """
    act = _case_action(action)
    return propose_decision(uow, principal, Scope(case=case_id), act, effective_on, reason, reference,
                            hold_applications=hold_applications and act is not Action.reinstate,
                            max_future_days=max_future_days)


def propose_decision(uow: UnitOfWork, principal: Principal, scope: Scope, action: Action, effective_on: date,
                     reason: str, reference: str, *, hold_applications: bool = False,
                     max_future_days: int = DEFAULT_MAX_FUTURE_DAYS) -> Proposal:
    """Propose a decision over any scope (a case, permits named one by one, filters); nothing else is written.

    The first signature: given in person (RuleViolation `four-eyes` for a delegate or a service account).
    Refused as confirming it would be (InvalidInput without a reason or reference or with nothing in scope;
    NotFound for an unknown case or permit; RuleViolation `status-transition` naming each permit that
    cannot take the change; `effective-date` for a date before a permit's issue, after its expiry or more
    than `max_future_days` ahead), and with RuleViolation `proposal-pending` while another proposal on the
    same case awaits a decision. `hold_applications` has no effect on a reinstatement.
    """
    decisions.check_reason(reason, reference)
    what = f"a decision on case {scope.case}" if scope.case else f"a decision to {action.value} permits"
    require_signature(principal, what, [f"case {scope.case}"] if scope.case else [])
    with write(uow, principal, Permission.ENFORCEMENT_PROPOSE) as w:
        if scope.case:
            if uow.cases.case(scope.case) is None:
                raise NotFound("case", scope.case)
            waiting = uow.proposals.list(scope.case, ProposalStatus.PROPOSED)
            if waiting:
                first = waiting[0]
                raise RuleViolation("proposal-pending",
                                    f"case {scope.case} already has proposal {first.id} ({first.describe()}, by"
                                    f" {first.proposed_by}) awaiting a decision; it must be confirmed, rejected"
                                    " or withdrawn first", first.records)
        hold = hold_applications and action is not Action.reinstate
        pv = decisions.checked_preview(uow, scope, action, effective_on, hold_applications=hold, reason=reason,
                                       reference=reference, max_future_days=max_future_days)
        p = Proposal(None, scope.case, action.value, effective_on, reason.strip(), reference.strip(), hold,
                     principal.username, _stamp(uow), tuple(i.permit.number for i in pv.permits),
                     tuple(a.number for a in pv.applications), pv.exporters, scope=scope.to_dict())
        p = replace(p, id=uow.proposals.add(p))
        entity, key = _audited_as(p)
        w.record(action="enforcement.propose", entity=entity, key=key, after=p, reason=p.reason)
    return p


def propose_permit_status(uow: UnitOfWork, principal: Principal, number: str, status: PermitStatus,
                          effective_on: date, reason: str, reference: str, *,
                          max_future_days: int = DEFAULT_MAX_FUTURE_DAYS) -> Proposal:
    """Propose one permit's status event (suspended, reinstated, revoked or cancelled): a decision over that
    permit alone, refused as `propose_decision` refuses it (NotFound for an unknown permit,
    RuleViolation `status-transition` when its status cannot take the change)."""
    try:
        act = Action.for_status(status)
    except ValueError:
        raise InvalidInput([Problem(f"{status.value!r} is not a status event a decision records",
                                    column="status")]) from None
    return propose_decision(uow, principal, Scope(permits=(number,)), act, effective_on, reason, reference,
                            max_future_days=max_future_days)


def _scheduled(uow: UnitOfWork, number: str, effective_on: date) -> tuple[Permit, StatusChange]:
    """The permit and its status event scheduled on `effective_on` (after today), inside an open write.

    RuleViolation `scheduled-event` when none is (an event in force is never cancelled: a later decision
    changes it), `status-transition` when the later scheduled events could not follow without it."""
    permit = uow.permits.get(number)
    if permit is None:
        raise NotFound("permit", number)
    ahead = scheduled_events(permit, uow.now().date())
    found = [c for c in ahead if c.effective_on == effective_on]
    if not found:
        listed = ", ".join(f"{c.status.value} on {c.effective_on.isoformat()}" for c in ahead) or "none"
        raise RuleViolation("scheduled-event",
                            f"permit {number} has no status event scheduled on {effective_on.isoformat()} (scheduled:"
                            f" {listed}); an event in force is not cancelled, a later decision changes it",
                            [f"permit {number}"])
    event = found[-1]
    check_history(permit, [c for c in permit.history if c is not event])
    return permit, event


def propose_cancel_scheduled(uow: UnitOfWork, principal: Principal, number: str, effective_on: date, reason: str,
                             reference: str) -> Proposal:
    """Propose cancelling a permit's status event scheduled on `effective_on`: four eyes, like the decision
    that scheduled it (a different person confirms; nothing changes until then).

    RuleViolation `scheduled-event` when no event is scheduled on that date, `status-transition` when the
    permit's later scheduled events could not follow without it; InvalidInput without reason or reference.
    """
    decisions.check_reason(reason, reference)
    require_signature(principal, f"the cancellation of a scheduled event of permit {number}", [f"permit {number}"])
    with write(uow, principal, Permission.ENFORCEMENT_PROPOSE) as w:
        permit, event = _scheduled(uow, number, effective_on)
        p = Proposal(None, None, CANCEL_SCHEDULED, effective_on, reason.strip(), reference.strip(), False,
                     principal.username, _stamp(uow), (number,), (), (permit.exporter_id,),
                     scope={"permits": [number], "event": event.status.value})
        p = replace(p, id=uow.proposals.add(p))
        w.record(action="enforcement.propose", entity="proposal", key=str(p.id), after=p, reason=p.reason)
    return p


def confirm(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int) -> Confirmed:
    """Confirm a case's proposal (the second signature) and apply its decision; see `confirm_proposal`."""
    return confirm_proposal(uow, principal, proposal_id, case_id=case_id)


def confirm_proposal(uow: UnitOfWork, principal: Principal, proposal_id: int, *,
                     case_id: str | None = None) -> Confirmed:
    """Confirm a proposal (the second signature) and apply its decision, all in one transaction.

    RuleViolation `four-eyes` when the principal proposed it or signs on someone's behalf or is a service
    account, `proposal-decided` when it was already decided,
    `status-transition` when a permit in scope can no longer take the change, `proposal-scope` when the
    decision would now change other permits or applications than those proposed. Nothing is written then.
    NotFound when there is no such proposal (under `case_id`, when given).
    """
    records = [f"proposal {proposal_id}"] + ([f"case {case_id}"] if case_id else [])
    require_signature(principal, f"proposal {proposal_id}", records)
    with write(uow, principal, Permission.ENFORCEMENT_DECIDE) as w:
        # The write holds the lock from its first read: two confirmations of one proposal run one after the
        # other, and the second sees the first's decision.
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        check_second_signature(p, principal.username)
        if p.action == CANCEL_SCHEDULED:
            number = p.permits[0]
            _, event = _scheduled(uow, number, p.effective_on)
            note = (f"cancelled by proposal {p.id} of {p.proposed_by}, confirmed by {principal.username}: {p.reason}"
                    f" ({p.reference})")
            uow.permits.supersede_status_change(number, event, note)
            w.record(action="permit.scheduled_cancelled", entity="permit", key=number, before={"event": event},
                     after={"event": event, "cancelled": note}, reason=p.reason)
            done = decided(p, ProposalStatus.CONFIRMED, principal.username, _stamp(uow))
            _decide(uow, done)
            w.record(action="enforcement.confirm", entity="proposal", key=str(p.id), before=p, after=done,
                     reason=f"second signature on proposal {p.id} by {p.proposed_by}")
            return Confirmed(done, None)
        # The horizon was checked when it was proposed (and only widens as days pass).
        pv = decisions.checked_preview(uow, _scope(p), Action(p.action), p.effective_on,
                                       hold_applications=p.hold_applications, reason=p.reason,
                                       reference=p.reference, max_future_days=None)
        check_matches(p, [i.permit.number for i in pv.permits], [a.number for a in pv.applications])
        outcome = decisions.record_decision(w, pv, p.reason, p.reference)
        done = decided(p, ProposalStatus.CONFIRMED, principal.username, _stamp(uow), action_id=outcome.action_id)
        _decide(uow, done)
        entity, key = _audited_as(p)
        w.record(action="enforcement.confirm", entity=entity, key=key, before=p, after=done,
                 reason=f"second signature on proposal {p.id} by {p.proposed_by}")
    return Confirmed(done, outcome)


def reject(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int, reason: str) -> Proposal:
    """Reject a case's proposal; see `reject_proposal`."""
    return reject_proposal(uow, principal, proposal_id, reason, case_id=case_id)


def reject_proposal(uow: UnitOfWork, principal: Principal, proposal_id: int, reason: str, *,
                    case_id: str | None = None) -> Proposal:
    """Reject a proposal with a reason; nothing is applied. A rejection is the second person's decision, so it is
    signed in person like a confirmation (RuleViolation `four-eyes` for a delegate or a service account)."""
    if not reason.strip():
        raise InvalidInput([Problem("a reason for the rejection is required", column="reason")])
    require_signature(principal, f"the rejection of proposal {proposal_id}",
                      [f"proposal {proposal_id}"] + ([f"case {case_id}"] if case_id else []))
    with write(uow, principal, Permission.ENFORCEMENT_DECIDE) as w:
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        done = decided(p, ProposalStatus.REJECTED, principal.username, _stamp(uow), reason.strip())
        _decide(uow, done)
        entity, key = _audited_as(p)
        w.record(action="enforcement.reject", entity=entity, key=key, before=p, after=done, reason=reason.strip())
    return done


def withdraw(uow: UnitOfWork, principal: Principal, case_id: str, proposal_id: int, reason: str = "") -> Proposal:
    """The proposer takes a case's proposal back; see `withdraw_proposal`."""
    return withdraw_proposal(uow, principal, proposal_id, reason, case_id=case_id)


def withdraw_proposal(uow: UnitOfWork, principal: Principal, proposal_id: int, reason: str = "", *,
                      case_id: str | None = None) -> Proposal:
    """The proposer takes the proposal back; nothing is applied. Forbidden for anyone else."""
    with write(uow, principal, Permission.ENFORCEMENT_PROPOSE) as w:
        p = _get(uow, case_id, proposal_id)
        check_open(p)
        check_may_withdraw(p, principal.username)
        done = decided(p, ProposalStatus.WITHDRAWN, principal.username, _stamp(uow), reason.strip() or None)
        _decide(uow, done)
        entity, key = _audited_as(p)
        w.record(action="enforcement.withdraw", entity=entity, key=key, before=p, after=done,
                 reason=reason.strip())
    return done


def list_proposals(uow: UnitOfWork, case_id: str | None = None, *, open_only: bool = False) -> list[Proposal]:
    """Proposals, oldest first: of one case (NotFound for an unknown case) or all of them; only those
    awaiting a decision with `open_only`."""
    with uow:
        if case_id is not None and uow.cases.case(case_id) is None:
            raise NotFound("case", case_id)
        return uow.proposals.list(case_id, ProposalStatus.PROPOSED if open_only else None)


def get_proposal(uow: UnitOfWork, case_id: str | None, proposal_id: int) -> Proposal:
    """One proposal (of the case, when `case_id` is given; NotFound otherwise)."""
    with uow:
        return _get(uow, case_id, proposal_id)


def current_preview(uow: UnitOfWork, p: Proposal) -> decisions.Preview | None:
    """What confirming the proposal would do now (nothing is written); None for the cancellation of a scheduled
    event, which changes no permit's status (its proposal says which event)."""
    if p.action == CANCEL_SCHEDULED:
        return None
    return decisions.preview(uow, _scope(p), Action(p.action), p.effective_on,
                               hold_applications=p.hold_applications)
