"""The monitoring area's tables and repository for trace requests, their serials and attachments, and the
deadline notices (reminders and escalations) sent for anything with a due date, in the caller's transaction
(migration 0024_trace_requests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.casefiles.tables import evidence_files
from endwatch.db.tables import BigId, metadata
from endwatch.domain.serials import serial_key
from endwatch.domain.trace_requests import Attachment, Counterpart, Direction, Status, TraceRequest
from endwatch.services.monitoring.store import AnswerPolicyVersion

trace_requests = sa.Table(
    "trace_requests",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(40), nullable=False, unique=True),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("counterpart_kind", sa.String(20), nullable=False),
    sa.Column("counterpart", sa.String(300), nullable=False),
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("contact", sa.String(300)),
    sa.Column("their_reference", sa.String(200), nullable=False, server_default=""),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("opened_by", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("answered_on", sa.Date),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("closed_on", sa.Date),
    sa.Column("close_reason", sa.Text),
    sa.Column("finding", sa.String(100), sa.ForeignKey("findings.sighting_id")),
    sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id")),
    sa.Index("ix_trace_requests_status_due", "status", "due_on"),
    sa.Index("ix_trace_requests_party", "party_id"),
)

# The serials a request is about, in the order given, with the one serial key (domain/serials.py) for lookups.
trace_request_serials = sa.Table(
    "trace_request_serials",
    metadata,
    sa.Column("request_id", BigId, sa.ForeignKey("trace_requests.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("serial", sa.Text, nullable=False),
    sa.Column("serial_key", sa.Text, nullable=False, index=True),
)

# Files attached to a request; the bytes and their one row live in the case evidence store (evidence_files).
trace_request_files = sa.Table(
    "trace_request_files",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("request_id", BigId, sa.ForeignKey("trace_requests.id"), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), sa.ForeignKey("evidence_files.sha256"), nullable=False),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("added_by", sa.String(200), nullable=False),
    sa.Column("added_at", sa.String(40), nullable=False),
    sa.UniqueConstraint("request_id", "sha256", name="uq_trace_request_files"),
)

# A reminder or escalation sent for something with a due date (a trace request, a case inquiry, a check):
# one row per subject, notice and due date, so each is sent once even when the chasing job runs again.
deadline_notices = sa.Table(
    "deadline_notices",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("subject", sa.String(30), nullable=False),  # trace_request | inquiry | check
    sa.Column("subject_key", sa.String(100), nullable=False),
    sa.Column("notice", sa.String(20), nullable=False),  # reminder | escalation
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("sent_on", sa.Date, nullable=False),
    sa.Column("message_id", sa.String(200), nullable=False),
    sa.UniqueConstraint("subject", "subject_key", "notice", "due_on", name="uq_deadline_notices"),
)

# The policy on counting overdue answers against a party, one row per version (migration 0030_answer_policies).
answer_policies = sa.Table(
    "answer_policies",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("counts", sa.Boolean, nullable=False),
    sa.Column("set_by", sa.String(200), nullable=False),
    sa.Column("set_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("effective_from", name="uq_answer_policies_effective_from"),
)


class SqlTraceRequestRepository:
    """Trace requests, their serials and attachments, and deadline notices, on one connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def next_number(self, year: int) -> int:
        """The next free number in `year`'s references (the write lock makes it race-free)."""
        prefix = f"TR-{year}-"
        refs = self.conn.execute(sa.select(trace_requests.c.reference)
                                 .where(trace_requests.c.reference.like(f"{prefix}%"))).scalars()
        numbers = [int(r[len(prefix):]) for r in refs if r[len(prefix):].isdigit()]
        return max(numbers, default=0) + 1

    def add(self, request: TraceRequest) -> int:
        row = _row(request)
        new_id = int(self.conn.execute(trace_requests.insert().values(**row)
                                       .returning(trace_requests.c.id)).scalar_one())
        if request.serials:
            self.conn.execute(trace_request_serials.insert(), [
                {"request_id": new_id, "position": i, "serial": s, "serial_key": serial_key(s)}
                for i, s in enumerate(request.serials)])
        return new_id

    def get(self, reference: str) -> TraceRequest | None:
        row = self.conn.execute(sa.select(trace_requests).where(trace_requests.c.reference == reference)).first()
        if row is None:
            return None
        return self._full([row])[0]

    def find(self, *, direction: Direction | None = None, status: Status | None = None,
             party_id: str | None = None, serial: str | None = None,
             case_id: str | None = None) -> list[TraceRequest]:
        q = sa.select(trace_requests)
        if case_id is not None:
            q = q.where(trace_requests.c.case_id == case_id)
        if direction is not None:
            q = q.where(trace_requests.c.direction == direction.value)
        if status is not None:
            q = q.where(trace_requests.c.status == status.value)
        if party_id is not None:
            q = q.where(trace_requests.c.party_id == party_id)
        if serial is not None:
            q = q.where(trace_requests.c.id.in_(sa.select(trace_request_serials.c.request_id)
                                                .where(trace_request_serials.c.serial_key == serial_key(serial))))
        rows = self.conn.execute(q.order_by(trace_requests.c.opened_on.desc(), trace_requests.c.id.desc())).all()
        return self._full(rows)

    def _full(self, rows: Sequence[Any]) -> list[TraceRequest]:
        ids = [r.id for r in rows]
        serials: dict[int, list[str]] = {}
        files: dict[int, list[Attachment]] = {}
        if ids:
            for s in self.conn.execute(sa.select(trace_request_serials)
                                       .where(trace_request_serials.c.request_id.in_(ids))
                                       .order_by(trace_request_serials.c.request_id,
                                                 trace_request_serials.c.position)):
                serials.setdefault(s.request_id, []).append(s.serial)
            j = trace_request_files.join(evidence_files, evidence_files.c.sha256 == trace_request_files.c.sha256)
            for f in self.conn.execute(sa.select(trace_request_files, evidence_files.c.size).select_from(j)
                                       .where(trace_request_files.c.request_id.in_(ids))
                                       .order_by(trace_request_files.c.id)):
                files.setdefault(f.request_id, []).append(
                    Attachment(f.sha256, f.filename, int(f.size), f.description, f.added_by, f.added_at))
        return [_request(r, tuple(serials.get(r.id, ())), tuple(files.get(r.id, ()))) for r in rows]

    def answer(self, reference: str, text: str, answered_on: date, answered_by: str) -> None:
        self.conn.execute(trace_requests.update().where(trace_requests.c.reference == reference).values(
            status=Status.ANSWERED.value, answer=text, answered_on=answered_on, answered_by=answered_by))

    def close(self, reference: str, closed_on: date, reason: str) -> None:
        self.conn.execute(trace_requests.update().where(trace_requests.c.reference == reference).values(
            status=Status.CLOSED.value, closed_on=closed_on, close_reason=reason))

    def feed(self, reference: str, finding: str | None, case_id: str | None) -> None:
        self.conn.execute(trace_requests.update().where(trace_requests.c.reference == reference).values(
            finding=finding, case_id=case_id))

    def attach(self, request_id: int, attachment: Attachment) -> bool:
        """Link a stored file to a request; False when it was already linked."""
        known = self.conn.execute(sa.select(trace_request_files.c.id).where(
            trace_request_files.c.request_id == request_id,
            trace_request_files.c.sha256 == attachment.sha256)).first()
        if known is not None:
            return False
        self.conn.execute(trace_request_files.insert().values(
            request_id=request_id, sha256=attachment.sha256, filename=attachment.filename,
            description=attachment.description, added_by=attachment.added_by, added_at=attachment.added_at))
        return True

    def notice_sent(self, subject: str, subject_key: str, notice: str, due_on: date) -> bool:
        """Whether this notice was already sent for this subject and due date."""
        return self.conn.execute(sa.select(deadline_notices.c.id).where(
            deadline_notices.c.subject == subject, deadline_notices.c.subject_key == subject_key,
            deadline_notices.c.notice == notice, deadline_notices.c.due_on == due_on)).first() is not None

    def add_notice(self, subject: str, subject_key: str, notice: str, due_on: date, sent_on: date,
                   message_id: str) -> None:
        self.conn.execute(deadline_notices.insert().values(subject=subject, subject_key=subject_key, notice=notice,
                                                           due_on=due_on, sent_on=sent_on, message_id=message_id))

    def notices(self, subject: str | None = None, subject_key: str | None = None) -> list[dict[str, Any]]:
        q = sa.select(deadline_notices)
        if subject is not None:
            q = q.where(deadline_notices.c.subject == subject)
        if subject_key is not None:
            q = q.where(deadline_notices.c.subject_key == subject_key)
        return [dict(r._mapping) for r in self.conn.execute(q.order_by(deadline_notices.c.id))]

    # The policy on overdue answers

    def answer_policies(self) -> list[AnswerPolicyVersion]:
        p = answer_policies
        return [AnswerPolicyVersion(r.effective_from, bool(r.counts), r.set_by, r.set_at, r.reason)
                for r in self.conn.execute(sa.select(p).order_by(p.c.effective_from))]

    def save_answer_policy(self, version: AnswerPolicyVersion) -> None:
        p = answer_policies
        values = {"counts": version.counts, "set_by": version.set_by, "set_at": version.set_at,
                  "reason": version.reason}
        done = self.conn.execute(p.update().where(p.c.effective_from == version.effective_from).values(**values))
        if not done.rowcount:
            self.conn.execute(p.insert().values(effective_from=version.effective_from, **values))


def _row(r: TraceRequest) -> dict[str, Any]:
    return {"reference": r.reference, "direction": r.direction.value, "counterpart_kind": r.counterpart_kind.value,
            "counterpart": r.counterpart, "party_id": r.party_id, "contact": r.contact,
            "their_reference": r.their_reference, "question": r.question, "opened_on": r.opened_on,
            "due_on": r.due_on, "opened_by": r.opened_by, "status": r.status.value, "answer": r.answer,
            "answered_on": r.answered_on, "answered_by": r.answered_by, "closed_on": r.closed_on,
            "close_reason": r.close_reason, "finding": r.finding, "case_id": r.case_id}


def _request(r: Any, serials: tuple[str, ...], files: tuple[Attachment, ...]) -> TraceRequest:
    return TraceRequest(
        id=int(r.id), reference=r.reference, direction=Direction(r.direction),
        counterpart_kind=Counterpart(r.counterpart_kind), counterpart=r.counterpart, question=r.question,
        serials=serials, opened_on=r.opened_on, due_on=r.due_on, opened_by=r.opened_by, party_id=r.party_id,
        contact=r.contact, their_reference=r.their_reference, status=Status(r.status), answer=r.answer,
        answered_on=r.answered_on, answered_by=r.answered_by, closed_on=r.closed_on, close_reason=r.close_reason,
        finding=r.finding, case_id=r.case_id, attachments=files)
