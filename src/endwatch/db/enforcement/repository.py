"""SQL repository for enforcement (services.enforcement.store.EnforcementRepository): enforcement actions,
contacts and the notification outbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from endwatch.db.enforcement import tables as te
from endwatch.services.enforcement.store import EnforcementAction, OutboxMessage


def _message(r: sa.Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=int(r.id), message_id=r.message_id, kind=r.kind, party_id=r.party_id, to_address=r.to_address,
        subject=r.subject, body=r.body, action_id=r.action_id, case_id=r.case_id, created_at=r.created_at,
        status=r.status, attempts=int(r.attempts), next_attempt_at=r.next_attempt_at, last_error=r.last_error,
        sent_at=r.sent_at,
    )


class SqlEnforcementRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # -- enforcement actions ------------------------------------------------------------------
    def add_action(self, action: EnforcementAction) -> int:
        a = action
        result = self.conn.execute(
            te.enforcement_actions.insert().values(
                action=a.action, scope=a.scope, effective_on=a.effective_on, reason=a.reason,
                reference=a.reference, decided_by=a.decided_by, decided_at=a.decided_at, case_id=a.case_id,
                permits=list(a.permits), applications=list(a.applications),
            ).returning(te.enforcement_actions.c.id)
        )
        return int(result.scalar_one())

    def actions(self, case_id: str | None = None) -> list[EnforcementAction]:
        ea = te.enforcement_actions
        q = sa.select(ea).order_by(ea.c.effective_on, ea.c.id)
        if case_id is not None:
            q = q.where(ea.c.case_id == case_id)
        return [
            EnforcementAction(int(r.id), r.action, dict(r.scope), r.effective_on, r.reason, r.reference,
                              r.decided_by, r.decided_at, r.case_id, tuple(r.permits), tuple(r.applications))
            for r in self.conn.execute(q)
        ]

    # -- contacts and outbox ----------------------------------------------------------------
    def contact(self, party_id: str) -> str | None:
        return self.conn.scalar(sa.select(te.contacts.c.email).where(te.contacts.c.party_id == party_id))

    def set_contact(self, party_id: str, email: str) -> None:
        c = te.contacts
        if self.contact(party_id) is None:
            self.conn.execute(c.insert().values(party_id=party_id, email=email))
        else:
            self.conn.execute(c.update().where(c.c.party_id == party_id).values(email=email))

    def add_message(self, message: OutboxMessage) -> int:
        m = message
        result = self.conn.execute(
            te.outbox.insert().values(
                message_id=m.message_id, kind=m.kind, party_id=m.party_id, to_address=m.to_address,
                subject=m.subject, body=m.body, action_id=m.action_id, case_id=m.case_id,
                created_at=m.created_at, status=m.status, attempts=m.attempts,
                next_attempt_at=m.next_attempt_at or m.created_at,
            ).returning(te.outbox.c.id)
        )
        return int(result.scalar_one())

    def messages(self, status: str | None = None, case_id: str | None = None) -> list[OutboxMessage]:
        o = te.outbox
        q = sa.select(o).order_by(o.c.id)
        if status is not None:
            q = q.where(o.c.status == status)
        if case_id is not None:
            q = q.where(o.c.case_id == case_id)
        return [_message(r) for r in self.conn.execute(q)]

    def due(self, now: str, limit: int) -> list[OutboxMessage]:
        o = te.outbox
        q = (
            sa.select(o)
            .where(o.c.status == "pending", o.c.next_attempt_at <= now,
                   sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < now))
            .order_by(o.c.next_attempt_at, o.c.id)
            .limit(limit)
        )
        return [_message(r) for r in self.conn.execute(q)]

    def claim(self, message_id: int, token: str, now: str, until: str) -> bool:
        # A conditional update: of two senders racing for the row, exactly one sees rowcount 1.
        o = te.outbox
        result = self.conn.execute(
            o.update()
            .where(o.c.id == message_id, o.c.status == "pending", o.c.next_attempt_at <= now,
                   sa.or_(o.c.claimed_until.is_(None), o.c.claimed_until < now))
            .values(claimed_by=token, claimed_until=until)
        )
        return result.rowcount == 1

    def mark_sent(self, message_id: int, token: str, now: str) -> bool:
        o = te.outbox
        result = self.conn.execute(
            o.update()
            .where(o.c.id == message_id, o.c.claimed_by == token, o.c.status == "pending")
            .values(status="sent", sent_at=now, attempts=o.c.attempts + 1, claimed_by=None, claimed_until=None,
                    last_error=None)
        )
        return result.rowcount == 1

    def mark_failed(self, message_id: int, token: str, next_attempt_at: str, error: str) -> None:
        o = te.outbox
        self.conn.execute(
            o.update()
            .where(o.c.id == message_id, o.c.claimed_by == token)
            .values(attempts=o.c.attempts + 1, next_attempt_at=next_attempt_at, last_error=error[:2000],
                    claimed_by=None, claimed_until=None)
        )
