"""What enforcement proposals need from storage. The unit of work offers it as `uow.proposals`."""

from __future__ import annotations

from typing import Protocol

from endwatch.domain.proposals import Proposal, ProposalStatus


class ProposalRepository(Protocol):
    def add(self, proposal: Proposal) -> int:
        """Store a new proposal; returns its id."""
    def get(self, proposal_id: int) -> Proposal | None: ...
    def list(self, case_id: str | None = None, status: ProposalStatus | None = None) -> list[Proposal]:
        """Proposals, oldest first (of one case, in one status, or all)."""
    def decide(self, decided: Proposal) -> bool:
        """Record the decision on a proposal that is still open; False when it was decided meanwhile."""
