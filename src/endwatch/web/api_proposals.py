"""REST API over enforcement proposals: one person proposes a decision, a different person confirms it (and it
is applied) or rejects it, the proposer may withdraw it. A case's proposals live under
/api/v1/cases/{case_id}/proposals; a single permit's status event is proposed with
POST /api/v1/permits/{number}/status; every proposal, a case's or not, is listed under /api/v1/proposals and
decided there. The rules are in services/enforcement/proposals.py; each route states its action through
`requires`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from endwatch.domain.permits import PermitStatus
from endwatch.domain.proposals import Proposal
from endwatch.services.authz import Action
from endwatch.services.enforcement import proposals
from endwatch.web.api import Limit, Offset, page_of
from endwatch.web.api_cases import PreviewOut, preview_out
from endwatch.web.errors import error_schema, links
from endwatch.web.fields import IsoDate, Reason, Reference, Text
from endwatch.web.schemas import ErrorBody, Page
from endwatch.web.security import Caller, endwatch_of, requires

router = APIRouter(prefix="/api/v1", responses=error_schema())

# Ids are 64-bit in storage; anything larger cannot name a proposal.
ProposalId = Annotated[int, Path(ge=1, le=2**62, description="The proposal's id")]
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "A rule refused it (`rule` names it); nothing was written"}}


class ProposalIn(BaseModel):
    """A decision over the case's recommendations, proposed for a second person's confirmation."""

    action: Literal["suspend", "reinstate", "revoke"]
    on: IsoDate = Field(description="Effective date")
    reason: Reason
    reference: Reference = Field(description="The authority's reference")
    hold_applications: bool = Field(default=True, strict=True,
                                    description="Put the case's pending applications on hold")


class RejectIn(BaseModel):
    reason: Reason


class WithdrawIn(BaseModel):
    reason: Text = ""


class StatusChangeIn(BaseModel):
    """A status event of one permit, proposed for a second person's confirmation."""

    status: Literal["suspended", "reinstated", "revoked", "cancelled"]
    effective_on: IsoDate
    reason: Reason
    reference: Reference = Field(description="The authority's reference")


class ProposalOut(BaseModel):
    """A proposal and how it was decided. `permits`, `applications` and `exporters` are what its preview
    showed when proposed; `effect` is, for an open proposal, what confirming it would do now, and in the
    answer to a confirmation, what it did."""

    id: int
    case_id: str | None = Field(description="The case whose decision it is; null for one not tied to a case")
    scope: dict[str, Any] = Field(description="What the decision covers: case, permits, exporters, ...")
    action: str
    effective_on: date
    reason: str
    reference: str
    hold_applications: bool
    status: Literal["proposed", "confirmed", "rejected", "withdrawn"]
    proposed_by: str
    proposed_at: str
    permits: list[str]
    applications: list[str]
    exporters: list[str]
    decided_by: str | None
    decided_at: str | None
    decision_reason: str | None
    decision_id: int | None = Field(description="The enforcement decision a confirmation applied")
    effect: PreviewOut | None


def _out(p: Proposal, effect: PreviewOut | None = None) -> ProposalOut:
    assert p.id is not None
    return ProposalOut(id=p.id, case_id=p.case_id, scope=dict(p.scope), action=p.action,
                       effective_on=p.effective_on, reason=p.reason,
                       reference=p.reference, hold_applications=p.hold_applications, status=p.status.value,
                       proposed_by=p.proposed_by, proposed_at=p.proposed_at, permits=list(p.permits),
                       applications=list(p.applications), exporters=list(p.exporters), decided_by=p.decided_by,
                       decided_at=p.decided_at, decision_reason=p.decision_reason,
                       decision_id=p.enforcement_action_id, effect=effect)


def _with_effect(request: Request, p: Proposal) -> ProposalOut:
    pv = proposals.current_preview(endwatch_of(request).reader(), p) if p.is_open else None
    return _out(p, preview_out(pv, False) if pv is not None else None)


def _confirmed(done: proposals.Confirmed) -> ProposalOut:
    o = done.outcome
    return _out(done.proposal, preview_out(o.preview, True, o.action_id) if o is not None else None)


@router.get("/cases/{case_id}/proposals", response_model=Page[ProposalOut],
            summary="The case's proposed enforcement decisions, oldest first")
def list_proposals(request: Request, case_id: str, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
                   limit: Limit = 50, offset: Offset = 0) -> dict[str, object]:
    found = proposals.list_proposals(endwatch_of(request).reader(), case_id)
    return page_of([_with_effect(request, p) for p in found], limit, offset)


@router.post("/cases/{case_id}/proposals", response_model=ProposalOut, status_code=201,
             summary="Propose applying the case's recommendations; nothing is applied until someone else confirms",
             responses=REFUSED)
def propose(request: Request, case_id: str, body: ProposalIn,
            caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))]) -> ProposalOut:
    ew = endwatch_of(request)
    p = proposals.propose(ew.uow(), caller.principal, case_id, body.action, body.on, body.reason, body.reference,
                          hold_applications=body.hold_applications, max_future_days=ew.settings.max_future_days)
    return _with_effect(request, p)


@router.post("/cases/{case_id}/proposals/{proposal_id}/confirm", response_model=ProposalOut,
             summary="The second signature: apply the proposed decision (every permit or none)",
             responses={409: {"model": ErrorBody, "description": "four-eyes (the proposer), proposal-decided, "
                              "status-transition or proposal-scope; nothing was written"}})
def confirm(request: Request, case_id: str, proposal_id: ProposalId,
            caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> ProposalOut:
    return _confirmed(proposals.confirm(endwatch_of(request).uow(), caller.principal, case_id, proposal_id))


@router.post("/cases/{case_id}/proposals/{proposal_id}/reject", response_model=ProposalOut,
             summary="Reject the proposed decision with a reason; nothing is applied", responses=REFUSED)
def reject(request: Request, case_id: str, proposal_id: ProposalId, body: RejectIn,
           caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> ProposalOut:
    return _out(proposals.reject(endwatch_of(request).uow(), caller.principal, case_id, proposal_id,
                                 body.reason))


@router.post("/cases/{case_id}/proposals/{proposal_id}/withdraw", response_model=ProposalOut,
             summary="The proposer takes the proposal back (403 for anyone else); nothing is applied",
             responses=REFUSED)
def withdraw(request: Request, case_id: str, proposal_id: ProposalId,
             caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
             body: Annotated[WithdrawIn | None, Body()] = None) -> ProposalOut:
    return _out(proposals.withdraw(endwatch_of(request).uow(), caller.principal, case_id, proposal_id,
                                   body.reason if body else ""))


@router.post("/permits/{number}/status", response_model=ProposalOut, status_code=201,
             summary="Propose suspending, reinstating, revoking or cancelling one permit; nothing is applied until "
                     "someone else confirms it (POST /proposals/{id}/confirm)",
             responses={404: {"model": ErrorBody, "description": "No such permit"}, **REFUSED},
             openapi_extra=links("id", "proposal_id",
                                 ("GetProposal", "get", "/api/v1/proposals/{proposal_id}"),
                                 ("Confirm", "post", "/api/v1/proposals/{proposal_id}/confirm"),
                                 ("Reject", "post", "/api/v1/proposals/{proposal_id}/reject")))
def propose_status(request: Request, number: str, body: StatusChangeIn,
                   caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))]) -> ProposalOut:
    ew = endwatch_of(request)
    p = proposals.propose_permit_status(ew.uow(), caller.principal, number, PermitStatus(body.status),
                                        body.effective_on, body.reason, body.reference,
                                        max_future_days=ew.settings.max_future_days)
    return _with_effect(request, p)


class CancelScheduledIn(BaseModel):
    """Which scheduled status event of the permit to cancel (its date), and why."""

    effective_on: date = Field(description="The date the event is scheduled on (after today)")
    reason: str = Field(min_length=1, max_length=2000)
    reference: str = Field(min_length=1, max_length=500, description="The authority's reference")


@router.post("/permits/{number}/scheduled/cancel", response_model=ProposalOut, status_code=201,
             summary="Propose cancelling one permit's scheduled status event; a different person confirms it",
             responses={404: {"model": ErrorBody, "description": "No such permit"},
                        409: {"model": ErrorBody, "description": "scheduled-event (none on that date) or "
                              "status-transition (later scheduled events need it); nothing was written"}})
def propose_cancel_scheduled(request: Request, number: str, body: CancelScheduledIn,
                             caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))]) -> ProposalOut:
    p = proposals.propose_cancel_scheduled(endwatch_of(request).uow(), caller.principal, number, body.effective_on,
                                           body.reason, body.reference)
    return _with_effect(request, p)


@router.get("/proposals", response_model=Page[ProposalOut],
            summary="Enforcement proposals of every scope, oldest first: those awaiting a second signature, or all")
def all_proposals(request: Request, caller: Annotated[Caller, Depends(requires(Action.CASES_READ))],
                  all: Annotated[bool, Query(description="Also the decided ones")] = False,
                  limit: Limit = 50, offset: Offset = 0) -> dict[str, object]:
    found = proposals.list_proposals(endwatch_of(request).reader(), open_only=not all)
    return page_of([_with_effect(request, p) for p in found], limit, offset)


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, summary="One proposal")
def one_proposal(request: Request, proposal_id: ProposalId,
                 caller: Annotated[Caller, Depends(requires(Action.CASES_READ))]) -> ProposalOut:
    return _with_effect(request, proposals.get_proposal(endwatch_of(request).reader(), None, proposal_id))


@router.post("/proposals/{proposal_id}/confirm", response_model=ProposalOut,
             summary="The second signature: apply the proposed decision (every permit or none)",
             responses={409: {"model": ErrorBody, "description": "four-eyes (the proposer, a delegate, a service "
                              "account), proposal-decided, status-transition or proposal-scope; nothing was written"}})
def confirm_any(request: Request, proposal_id: ProposalId,
                caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> ProposalOut:
    return _confirmed(proposals.confirm_proposal(endwatch_of(request).uow(), caller.principal, proposal_id))


@router.post("/proposals/{proposal_id}/reject", response_model=ProposalOut,
             summary="Reject the proposed decision with a reason; nothing is applied", responses=REFUSED)
def reject_any(request: Request, proposal_id: ProposalId, body: RejectIn,
               caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_DECIDE))]) -> ProposalOut:
    return _out(proposals.reject_proposal(endwatch_of(request).uow(), caller.principal, proposal_id, body.reason))


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalOut,
             summary="The proposer takes the proposal back (403 for anyone else); nothing is applied",
             responses=REFUSED)
def withdraw_any(request: Request, proposal_id: ProposalId,
                 caller: Annotated[Caller, Depends(requires(Action.ENFORCEMENT_PROPOSE))],
                 body: Annotated[WithdrawIn | None, Body()] = None) -> ProposalOut:
    return _out(proposals.withdraw_proposal(endwatch_of(request).uow(), caller.principal, proposal_id,
                                            body.reason if body else ""))
