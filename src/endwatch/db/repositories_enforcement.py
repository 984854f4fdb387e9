"""SQL repository for enforcement and case files (services.enforcement_store.EnforcementRepository).

Detection owns `cases`, `case_findings`, `case_actions`, `sightings` and `findings`; they are reached
here through lightweight `sa.table()` descriptions of the agreed shapes, so this module does not depend
on detection's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db import tables_enforcement as te
from endwatch.db.registry import tables as t
from endwatch.services.enforcement_store import (
    CaseAction,
    CaseNote,
    CaseRecord,
    EnforcementAction,
    EvidenceLink,
    Inquiry,
    OutboxMessage,
)

_cases = sa.table(
    "cases",
    sa.column("id"), sa.column("title"), sa.column("status"), sa.column("opened_on", sa.Date),
    sa.column("closed_on", sa.Date), sa.column("consignee_id"), sa.column("observed_user_id"),
    sa.column("opened_by"), sa.column("summary"),
)
_case_findings = sa.table("case_findings", sa.column("case_id"), sa.column("sighting_id"))
_case_actions = sa.table(
    "case_actions",
    sa.column("id"), sa.column("case_id"), sa.column("kind"), sa.column("target"), sa.column("reason"),
    sa.column("status"), sa.column("decided_at"), sa.column("decided_by"),
)
_sightings = sa.table(
    "sightings",
    sa.column("id"), sa.column("observed_on", sa.Date), sa.column("place"), sa.column("country"),
    sa.column("observed_user"), sa.column("manufacturer"), sa.column("model"), sa.column("serial"),
    sa.column("platform"), sa.column("source"), sa.column("reliability"), sa.column("credibility"),
    sa.column("media"), sa.column("recorded_at"), sa.column("recorded_by"),
)
_findings = sa.table(
    "findings",
    sa.column("sighting_id"), sa.column("verdict"), sa.column("confidence"), sa.column("tier"),
    sa.column("delivery_id"), sa.column("permit_number"), sa.column("product_id"), sa.column("serial"),
    sa.column("observed_user_id"), sa.column("observed_country"), sa.column("observed_on", sa.Date),
    sa.column("decided_at"),
)


def _case(r: sa.Row[Any]) -> CaseRecord:
    return CaseRecord(r.id, r.title, r.status, r.opened_on, r.closed_on, r.consignee_id, r.observed_user_id,
                      r.opened_by, r.summary or "")


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

    # -- cases (detection's tables) --------------------------------------------------------------
    def case(self, case_id: str) -> CaseRecord | None:
        row = self.conn.execute(sa.select(_cases).where(_cases.c.id == case_id)).first()
        return _case(row) if row else None

    def cases(self) -> list[CaseRecord]:
        return [_case(r) for r in self.conn.execute(sa.select(_cases).order_by(_cases.c.id))]

    def case_ids(self) -> list[str]:
        return list(self.conn.scalars(sa.select(_cases.c.id)))

    def add_case(self, case: CaseRecord) -> None:
        c = case
        self.conn.execute(
            _cases.insert().values(
                id=c.id, title=c.title, status=c.status, opened_on=c.opened_on, closed_on=c.closed_on,
                consignee_id=c.consignee_id, observed_user_id=c.observed_user_id, opened_by=c.opened_by,
                summary=c.summary,
            )
        )

    def close_case(self, case_id: str, closed_on: date) -> None:
        self.conn.execute(_cases.update().where(_cases.c.id == case_id).values(status="closed", closed_on=closed_on))

    def case_actions(self, case_id: str) -> list[CaseAction]:
        a = _case_actions
        q = sa.select(a).where(a.c.case_id == case_id).order_by(a.c.id)
        return [CaseAction(int(r.id), r.case_id, r.kind, r.target, r.reason or "", r.status, r.decided_at,
                           r.decided_by) for r in self.conn.execute(q)]

    def decide_case_action(self, action_id: int, status: str, at: str, by: str) -> None:
        a = _case_actions
        self.conn.execute(a.update().where(a.c.id == action_id).values(status=status, decided_at=at, decided_by=by))

    def case_findings(self, case_id: str) -> list[dict[str, Any]]:
        s, f = _sightings, _findings
        q = (
            sa.select(
                s, f.c.verdict, f.c.confidence, f.c.tier, f.c.permit_number, f.c.product_id,
                f.c.serial.label("finding_serial"), f.c.observed_user_id, f.c.observed_country, f.c.decided_at,
            )
            .select_from(_case_findings.join(s, s.c.id == _case_findings.c.sighting_id)
                         .outerjoin(f, f.c.sighting_id == s.c.id))
            .where(_case_findings.c.case_id == case_id)
            .order_by(s.c.observed_on, s.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # -- notes, evidence, inquiries ---------------------------------------------------------------
    def add_note(self, note: CaseNote) -> int:
        n = note
        result = self.conn.execute(
            te.case_notes.insert().values(case_id=n.case_id, text=n.text, written_on=n.written_on,
                                          written_by=n.written_by, written_at=n.written_at)
            .returning(te.case_notes.c.id)
        )
        return int(result.scalar_one())

    def notes(self, case_id: str) -> list[CaseNote]:
        n = te.case_notes
        q = sa.select(n).where(n.c.case_id == case_id).order_by(n.c.written_on, n.c.id)
        return [CaseNote(int(r.id), r.case_id, r.text, r.written_on, r.written_by, r.written_at)
                for r in self.conn.execute(q)]

    def file_known(self, sha256: str) -> bool:
        ef = te.evidence_files
        return self.conn.scalar(sa.select(ef.c.sha256).where(ef.c.sha256 == sha256)) is not None

    def add_file(self, sha256: str, size: int, stored_at: str, stored_by: str) -> None:
        self.conn.execute(te.evidence_files.insert().values(sha256=sha256, size=size, stored_at=stored_at,
                                                            stored_by=stored_by))

    def link_file(self, link: EvidenceLink) -> bool:
        ce = te.case_evidence
        exists = self.conn.scalar(sa.select(ce.c.id).where(ce.c.case_id == link.case_id, ce.c.sha256 == link.sha256))
        if exists is not None:
            return False
        self.conn.execute(ce.insert().values(case_id=link.case_id, sha256=link.sha256, filename=link.filename,
                                             description=link.description, added_by=link.added_by,
                                             added_at=link.added_at))
        return True

    def evidence(self, case_id: str | None = None) -> list[EvidenceLink]:
        ce, ef = te.case_evidence, te.evidence_files
        q = sa.select(ce, ef.c.size).join(ef, ef.c.sha256 == ce.c.sha256).order_by(ce.c.added_at, ce.c.id)
        if case_id is not None:
            q = q.where(ce.c.case_id == case_id)
        return [EvidenceLink(r.case_id, r.sha256, r.filename, r.description, r.added_by, r.added_at, int(r.size))
                for r in self.conn.execute(q)]

    def add_inquiry(self, inquiry: Inquiry) -> int:
        i = inquiry
        result = self.conn.execute(
            te.case_inquiries.insert().values(case_id=i.case_id, to_party=i.to_party, question=i.question,
                                              asked_on=i.asked_on, asked_by=i.asked_by)
            .returning(te.case_inquiries.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _inquiry(r: sa.Row[Any]) -> Inquiry:
        return Inquiry(int(r.id), r.case_id, r.to_party, r.question, r.asked_on, r.asked_by, r.answer,
                       r.answered_on, r.answered_by)

    def inquiry(self, inquiry_id: int) -> Inquiry | None:
        ci = te.case_inquiries
        row = self.conn.execute(sa.select(ci).where(ci.c.id == inquiry_id)).first()
        return self._inquiry(row) if row else None

    def answer_inquiry(self, inquiry_id: int, answer: str, answered_on: date, answered_by: str) -> None:
        ci = te.case_inquiries
        self.conn.execute(ci.update().where(ci.c.id == inquiry_id)
                          .values(answer=answer, answered_on=answered_on, answered_by=answered_by))

    def inquiries(self, case_id: str) -> list[Inquiry]:
        ci = te.case_inquiries
        q = sa.select(ci).where(ci.c.case_id == case_id).order_by(ci.c.asked_on, ci.c.id)
        return [self._inquiry(r) for r in self.conn.execute(q)]

    def application_history(self, numbers: Sequence[str]) -> list[dict[str, Any]]:
        h = t.application_status_changes
        if not numbers:
            return []
        q = sa.select(h).where(h.c.application_number.in_(list(numbers))).order_by(h.c.effective_on, h.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]
