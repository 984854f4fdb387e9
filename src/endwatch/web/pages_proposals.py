"""Pages over enforcement proposals of every scope: a single permit's status event is proposed from the
permit's page, and /proposals lists what awaits a second signature, where a different approver confirms
(and it is applied) or rejects it, and the proposer may withdraw it (services/enforcement/proposals.py).
A case's proposals are decided on the case's page as well (pages_cases.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from endwatch.domain.permits import PermitStatus
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action
from endwatch.services.enforcement import proposals
from endwatch.web.pages_cases import ProposalId, _day
from endwatch.web.render import render
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(include_in_schema=False)
STATUSES = ("suspended", "reinstated", "revoked", "cancelled")


@router.get("/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))]) -> Response:
    """Every proposal awaiting a second signature, with what confirming it would do now; the latest decided."""
    ew = endwatch_of(request)
    found = proposals.list_proposals(ew.reader())
    awaiting = [(p, proposals.current_preview(ew.reader(), p)) for p in found if p.is_open]
    decided = [p for p in reversed(found) if not p.is_open][:50]
    return render(request, "proposals.html", {"awaiting": awaiting, "decided": decided})


@router.post("/permits/{number}/status")
def permit_status(request: Request, number: str,
                  caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
                  status: Annotated[str, Form()], effective_on: Annotated[str, Form()],
                  reason: Annotated[str, Form(max_length=2000)],
                  reference: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Propose one permit's status event; a different approver confirms it on /proposals."""
    if status not in STATUSES:
        raise InvalidInput([Problem(f"{status!r} is not a status event", column="status")])
    ew = endwatch_of(request)
    p = proposals.propose_permit_status(ew.uow(), caller.principal, number, PermitStatus(status),
                                        _day(effective_on, "effective_on"), reason, reference,
                                        max_future_days=ew.settings.max_future_days)
    return RedirectResponse(f"/proposals#proposal-{p.id}", status_code=303)


@router.post("/permits/{number}/scheduled/cancel")
def cancel_scheduled(request: Request, number: str,
                     caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
                     effective_on: Annotated[str, Form()], reason: Annotated[str, Form(max_length=2000)] = "",
                     reference: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Propose cancelling the permit's event scheduled on that date; a different approver confirms it."""
    p = proposals.propose_cancel_scheduled(endwatch_of(request).uow(), caller.principal, number,
                                           _day(effective_on, "effective_on"), reason, reference)
    return RedirectResponse(f"/proposals#proposal-{p.id}", status_code=303)


@router.post("/proposals/{proposal_id}/confirm")
def confirm(request: Request, proposal_id: ProposalId,
            caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> Response:
    """The second signature: apply the proposed decision (every permit changes or none does)."""
    done = proposals.confirm_proposal(endwatch_of(request).uow(), caller.principal, proposal_id)
    return RedirectResponse(f"/proposals#proposal-{done.proposal.id}", status_code=303)


@router.post("/proposals/{proposal_id}/reject")
def reject(request: Request, proposal_id: ProposalId,
           caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))],
           reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Reject the proposal with a reason; nothing is applied."""
    proposals.reject_proposal(endwatch_of(request).uow(), caller.principal, proposal_id, reason)
    return RedirectResponse("/proposals", status_code=303)


@router.post("/proposals/{proposal_id}/withdraw")
def withdraw(request: Request, proposal_id: ProposalId,
             caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
             reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """The proposer takes the proposal back; nothing is applied."""
    proposals.withdraw_proposal(endwatch_of(request).uow(), caller.principal, proposal_id, reason)
    return RedirectResponse("/proposals", status_code=303)
