"""Enforcement decisions as tests take them: proposed by one principal, confirmed by another (the only way a
permit's status changes after issue, services/enforcement/proposals.py)."""

from __future__ import annotations

from datetime import date

from tests.principals import person

from endwatch.domain.permits import StatusChange
from endwatch.services.authz import Principal, Role
from endwatch.services.enforcement import proposals
from endwatch.services.enforcement.decisions import Outcome
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.uow import UnitOfWork

SECOND = person("second-signatory", Role.APPROVER)


def apply_decision(uow: UnitOfWork, proposer: Principal, scope: Scope, action: Action, effective_on: date,
                   reason: str, reference: str, hold_applications: bool = False, *,
                   confirmer: Principal = SECOND) -> Outcome:
    """Propose the decision as `proposer` and confirm it as `confirmer`; what the confirmation applied."""
    p = proposals.propose_decision(uow, proposer, scope, action, effective_on, reason, reference,
                                   hold_applications=hold_applications)
    assert p.id is not None
    return proposals.confirm_proposal(uow, confirmer, p.id).outcome


def set_permit_status(uow: UnitOfWork, proposer: Principal, number: str, change: StatusChange, *,
                      confirmer: Principal = SECOND) -> Outcome:
    """One permit's status event, proposed and confirmed (a reference is made up when the change has none)."""
    p = proposals.propose_permit_status(uow, proposer, number, change.status, change.effective_on, change.reason,
                                        change.reference or "test reference")
    assert p.id is not None
    return proposals.confirm_proposal(uow, confirmer, p.id).outcome
