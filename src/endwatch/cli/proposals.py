"""`endwatch proposals|confirm|reject|withdraw`: the second signature on enforcement decisions.

`endwatch suspend|reinstate|revoke --apply` and `endwatch permit status` only propose a decision; a
different person confirms it here (and it is applied, every permit in scope or none) or rejects it; the
proposer may withdraw it. Each signature is given in person: never with --on-behalf-of, never by a service
account's token."""

from __future__ import annotations

from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, principal
from endwatch.domain.proposals import Proposal
from endwatch.services.enforcement import proposals

PROPOSAL = typer.Argument(..., help="The proposal's id (`endwatch proposals` lists them).", min=1, max=2**62)


def _row(p: Proposal) -> dict[str, Any]:
    return {"proposal": p.id, "status": p.status.value, "action": p.action, "effective_on": p.effective_on,
            "scope": "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in p.scope.items()),
            "permits": list(p.permits), "applications": list(p.applications), "proposed_by": p.proposed_by,
            "reason": p.reason, "reference": p.reference, "decided_by": p.decided_by or "",
            "decision": p.enforcement_action_id}


@app.command("proposals")
@command
def list_proposals(
    all_: bool = typer.Option(False, "--all", help="Also those already decided (confirmed, rejected, withdrawn)."),
    case: str | None = typer.Option(None, "--case", help="Only the proposals of this case."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Proposed enforcement decisions awaiting a second signature (with --all, every proposal)."""
    found = proposals.list_proposals(app_().reader(), case, open_only=not all_)
    emit([_row(p) for p in found], fmt, "proposals" if all_ else "proposals awaiting a second signature",
         ["proposal", "status", "action", "effective_on", "scope", "permits", "proposed_by", "decided_by"])


@app.command("confirm")
@command
def confirm(proposal: int = PROPOSAL, fmt: Format = FORMAT_OPTION) -> None:
    """The second signature: apply a proposed decision (someone other than its proposer, in person)."""
    done = proposals.confirm_proposal(app_().uow(), principal(), proposal)
    o = done.outcome
    if o is None:  # the cancellation of a scheduled event
        if fmt is Format.json:
            print(as_json(_row(done.proposal)))
            return
        out.print(f"[bold green]done[/bold green]: proposal {proposal} ({done.proposal.describe()} of permit"
                  f" {', '.join(done.proposal.permits)}, proposed by {done.proposal.proposed_by}) confirmed")
        return
    if fmt is Format.json:
        print(as_json({**_row(done.proposal), "decision": o.action_id, "messages": list(o.messages)}))
        return
    out.print(f"[bold green]applied[/bold green]: proposal {proposal} ({done.proposal.describe()}, proposed by "
              f"{done.proposal.proposed_by}) confirmed as decision {o.action_id}: "
              f"{len(o.preview.permits)} permit(s) {o.preview.action.past}, {len(o.preview.applications)} "
              f"application(s) put on hold; {len(o.messages)} notification(s) queued (deliver with "
              "`endwatch notify send`)")


@app.command("reject")
@command
def reject(proposal: int = PROPOSAL, reason: str = typer.Option(..., "--reason", help="Why it is rejected."),
           fmt: Format = FORMAT_OPTION) -> None:
    """Reject a proposed decision with a reason; nothing is applied."""
    p = proposals.reject_proposal(app_().uow(), principal(), proposal, reason)
    if fmt is Format.json:
        print(as_json(_row(p)))
        return
    out.print(f"proposal {proposal} rejected; nothing was applied")


@app.command("withdraw")
@command
def withdraw(proposal: int = PROPOSAL, reason: str = typer.Option("", "--reason", help="Why (optional)."),
             fmt: Format = FORMAT_OPTION) -> None:
    """The proposer takes a proposed decision back; nothing is applied."""
    p = proposals.withdraw_proposal(app_().uow(), principal(), proposal, reason)
    if fmt is Format.json:
        print(as_json(_row(p)))
        return
    out.print(f"proposal {proposal} withdrawn; nothing was applied")
