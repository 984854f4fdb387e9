"""SQL repository for enforcement proposals (services.enforcement.store.ProposalRepository)."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from endwatch.db.enforcement import tables as te
from endwatch.domain.proposals import Proposal, ProposalStatus


def _proposal(r: sa.Row[Any]) -> Proposal:
    return Proposal(
        id=int(r.id), case_id=r.case_id, action=r.action, effective_on=r.effective_on, reason=r.reason,
        reference=r.reference, hold_applications=bool(r.hold_applications), proposed_by=r.proposed_by,
        proposed_at=r.proposed_at, permits=tuple(r.permits), applications=tuple(r.applications),
        exporters=tuple(r.exporters), status=ProposalStatus(r.status), decided_by=r.decided_by,
        decided_at=r.decided_at, decision_reason=r.decision_reason,
        enforcement_action_id=int(r.enforcement_action_id) if r.enforcement_action_id is not None else None,
        scope=dict(r.scope) if r.scope else ({"case": r.case_id} if r.case_id else {}),
    )


class SqlProposalRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, proposal: Proposal) -> int:
        p = proposal
        result = self.conn.execute(
            te.enforcement_proposals.insert().values(
                case_id=p.case_id, action=p.action, effective_on=p.effective_on, reason=p.reason,
                reference=p.reference, hold_applications=p.hold_applications, proposed_by=p.proposed_by,
                proposed_at=p.proposed_at, permits=list(p.permits), applications=list(p.applications),
                exporters=list(p.exporters), status=p.status.value, scope=dict(p.scope),
            ).returning(te.enforcement_proposals.c.id)
        )
        return int(result.scalar_one())

    def get(self, proposal_id: int) -> Proposal | None:
        ep = te.enforcement_proposals
        row = self.conn.execute(sa.select(ep).where(ep.c.id == proposal_id)).first()
        return _proposal(row) if row else None

    def list(self, case_id: str | None = None, status: ProposalStatus | None = None) -> builtins.list[Proposal]:
        ep = te.enforcement_proposals
        q = sa.select(ep).order_by(ep.c.id)
        if case_id is not None:
            q = q.where(ep.c.case_id == case_id)
        if status is not None:
            q = q.where(ep.c.status == status.value)
        return [_proposal(r) for r in self.conn.execute(q)]

    def decide(self, decided: Proposal) -> bool:
        # Conditional on the row still being open: of two deciders racing, exactly one sees rowcount 1.
        ep = te.enforcement_proposals
        result = self.conn.execute(
            ep.update()
            .where(ep.c.id == decided.id, ep.c.status == ProposalStatus.PROPOSED.value)
            .values(status=decided.status.value, decided_by=decided.decided_by, decided_at=decided.decided_at,
                    decision_reason=decided.decision_reason, enforcement_action_id=decided.enforcement_action_id)
        )
        return result.rowcount == 1
