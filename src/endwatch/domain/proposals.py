"""Enforcement decisions under four eyes: one person proposes, a different person confirms.

A proposal names a decision (suspend, reinstate, revoke or cancel, from a date, with the reason and the
authority's reference) over a scope (a case's recommendations, permits named one by one, or filters such
as an exporter or a destination) and what the preview showed when it was made. It is decided exactly once:
confirmed by someone other than its proposer, rejected, or withdrawn by its proposer. Standard library
only; timestamps come in as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from endwatch.errors import Forbidden, RuleViolation

# The action of a proposal to take back a permit's scheduled status event (its scope names the permit and the
# event; `effective_on` is the event's date).
CANCEL_SCHEDULED = "cancel_scheduled"


class ProposalStatus(StrEnum):
    """Where a proposal stands. Only `proposed` is open; the others are final."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Proposal:
    """A proposed enforcement decision, and how it was decided.

    `permits`, `applications` and `exporters` are what the preview showed when it was proposed: the
    confirmation applies exactly these or nothing. `scope` is the decision's scope as data (the fields
    given); `case_id` is set when it is a case's decision.
    """

    id: int | None
    case_id: str | None
    action: str  # suspend | reinstate | revoke | cancel | cancel_scheduled
    effective_on: date
    reason: str
    reference: str
    hold_applications: bool
    proposed_by: str
    proposed_at: str
    permits: tuple[str, ...]
    applications: tuple[str, ...]
    exporters: tuple[str, ...]
    status: ProposalStatus = ProposalStatus.PROPOSED
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None
    enforcement_action_id: int | None = None
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        """True while it awaits a decision."""
        return self.status is ProposalStatus.PROPOSED

    @property
    def records(self) -> list[str]:
        """How a rule violation names it."""
        return [f"proposal {self.id}"] + ([f"case {self.case_id}"] if self.case_id else [])

    def describe(self) -> str:
        """The decision in words: "suspend from 2020-10-05"."""
        if self.action == CANCEL_SCHEDULED:
            return f"cancel the {self.scope.get('event', 'status event')} scheduled on {self.effective_on.isoformat()}"
        return f"{self.action} from {self.effective_on.isoformat()}"


def check_open(p: Proposal) -> None:
    """Raise RuleViolation `proposal-decided` when the proposal has already been decided."""
    if not p.is_open:
        raise RuleViolation("proposal-decided",
                            f"proposal {p.id} ({p.describe()}) was already {p.status.value} by {p.decided_by} at "
                            f"{p.decided_at}; a proposal is decided once", p.records)


def check_second_signature(p: Proposal, actor: str) -> None:
    """Raise RuleViolation `four-eyes` when `actor` proposed the decision: a different person must confirm it."""
    if actor == p.proposed_by:
        raise RuleViolation("four-eyes",
                            f"{actor} proposed this decision ({p.describe()}); it must be confirmed by someone else",
                            p.records)


def check_may_withdraw(p: Proposal, actor: str) -> None:
    """Raise Forbidden unless `actor` is the proposer (others reject instead)."""
    if actor != p.proposed_by:
        raise Forbidden(f"only {p.proposed_by}, who proposed it, may withdraw proposal {p.id}; "
                        "an approver may reject it instead")


def check_matches(p: Proposal, permits: Sequence[str], applications: Sequence[str]) -> None:
    """Raise RuleViolation `proposal-scope` when the decision would now change other permits or applications
    than those shown when it was proposed (the confirmer signs what the proposer proposed, nothing more)."""
    now_p, now_a = set(permits), set(applications)
    then_p, then_a = set(p.permits), set(p.applications)
    if now_p == then_p and now_a == then_a:
        return
    changes = []
    for kind, now, then in (("permits", now_p, then_p), ("applications", now_a, then_a)):
        if now - then:
            changes.append(f"{kind} now also in scope: {', '.join(sorted(now - then))}")
        if then - now:
            changes.append(f"{kind} no longer in scope: {', '.join(sorted(then - now))}")
    raise RuleViolation("proposal-scope",
                        f"proposal {p.id} ({p.describe()}) no longer matches the case: {'; '.join(changes)}. "
                        "Reject or withdraw it and propose again", p.records)


def decided(p: Proposal, status: ProposalStatus, by: str, at: str, reason: str | None = None,
            action_id: int | None = None) -> Proposal:
    """The proposal once decided (checks nothing: call the checks first)."""
    return replace(p, status=status, decided_by=by, decided_at=at, decision_reason=reason,
                   enforcement_action_id=action_id)
