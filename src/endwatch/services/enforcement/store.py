"""What enforcement needs from storage: its records and two repository protocols: `uow.enforcement`
(enforcement actions, contacts and the notification outbox) and `uow.proposals` (decisions awaiting a second
signature). Cases are the casefiles area's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from endwatch.domain.proposals import Proposal, ProposalStatus


@dataclass(frozen=True)
class EnforcementAction:
    """An applied decision over a scope of permits."""

    id: int | None
    action: str
    scope: dict[str, Any]
    effective_on: date
    reason: str
    reference: str
    decided_by: str
    decided_at: str
    case_id: str | None
    permits: tuple[str, ...]
    applications: tuple[str, ...]


@dataclass(frozen=True)
class OutboxMessage:
    """A notification waiting in (or delivered from) the outbox."""

    id: int | None
    message_id: str
    kind: str
    party_id: str | None
    to_address: str
    subject: str
    body: str
    action_id: int | None
    case_id: str | None
    created_at: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: str = ""
    last_error: str | None = None
    sent_at: str | None = None


class EnforcementRepository(Protocol):
    # enforcement actions
    def add_action(self, action: EnforcementAction) -> int: ...
    def actions(self, case_id: str | None = None) -> list[EnforcementAction]: ...
    # contacts and outbox
    def contact(self, party_id: str) -> str | None: ...
    def set_contact(self, party_id: str, email: str) -> None: ...
    def add_message(self, message: OutboxMessage) -> int: ...
    def messages(self, status: str | None = None, case_id: str | None = None) -> list[OutboxMessage]: ...
    def due(self, now: str, limit: int) -> list[OutboxMessage]: ...
    def claim(self, message_id: int, token: str, now: str, until: str) -> bool:
        """Take a due, unclaimed (or lease-expired) pending message for `token`; False if someone else has it."""
    def mark_sent(self, message_id: int, token: str, now: str) -> bool: ...
    def mark_failed(self, message_id: int, token: str, next_attempt_at: str, error: str) -> None: ...


class ProposalRepository(Protocol):
    def add(self, proposal: Proposal) -> int:
        """Store a new proposal; returns its id."""
    def get(self, proposal_id: int) -> Proposal | None: ...
    def list(self, case_id: str | None = None, status: ProposalStatus | None = None) -> list[Proposal]:
        """Proposals, oldest first (of one case, in one status, or all)."""
    def decide(self, decided: Proposal) -> bool:
        """Record the decision on a proposal that is still open; False when it was decided meanwhile."""
