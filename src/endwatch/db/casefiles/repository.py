"""The casefiles repository over SQLAlchemy Core: cases, the findings filed on them, recommended actions,
notes, evidence and inquiries, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit.rows import vouch_rows
from endwatch.db.bulk import chunks, insert_rows
from endwatch.db.casefiles import tables as tc
from endwatch.db.detection import tables as td
from endwatch.services.casefiles.store import CaseAction, CaseNote, CaseRecord, EvidenceLink, Inquiry

# Sightings per IN list and case findings per insert.
CHUNK = 1000


def _case(r: sa.Row[Any]) -> CaseRecord:
    return CaseRecord(r.id, r.title, r.status, r.opened_on, r.closed_on, r.consignee_id, r.observed_user_id,
                      r.opened_by, r.summary or "", r.assigned_to)


class SqlCasefileRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # -- cases, their findings and recommended actions ---------------------------------------------
    def case(self, case_id: str) -> CaseRecord | None:
        row = self.conn.execute(sa.select(tc.cases).where(tc.cases.c.id == case_id)).first()
        return _case(row) if row else None

    def cases(self) -> list[CaseRecord]:
        return [_case(r) for r in self.conn.execute(sa.select(tc.cases).order_by(tc.cases.c.id))]

    def case_ids(self) -> list[str]:
        return list(self.conn.scalars(sa.select(tc.cases.c.id)))

    def add_case(self, case: CaseRecord) -> None:
        c = case
        self.conn.execute(
            tc.cases.insert().values(
                id=c.id, title=c.title, status=c.status, opened_on=c.opened_on, closed_on=c.closed_on,
                consignee_id=c.consignee_id, observed_user_id=c.observed_user_id, opened_by=c.opened_by,
                summary=c.summary, assigned_to=c.assigned_to,
            )
        )

    def close_case(self, case_id: str, closed_on: date) -> None:
        c = tc.cases
        self.conn.execute(c.update().where(c.c.id == case_id).values(status="closed", closed_on=closed_on))

    def reopen_case(self, case_id: str) -> None:
        c = tc.cases
        self.conn.execute(c.update().where(c.c.id == case_id).values(status="open", closed_on=None))

    def assign_case(self, case_id: str, username: str | None) -> None:
        c = tc.cases
        self.conn.execute(c.update().where(c.c.id == case_id).values(assigned_to=username))

    def case_actions(self, case_id: str) -> list[CaseAction]:
        a = tc.case_actions
        q = sa.select(a).where(a.c.case_id == case_id).order_by(a.c.id)
        return [CaseAction(int(r.id), r.case_id, r.kind, r.target, r.reason or "", r.status, r.decided_at,
                           r.decided_by) for r in self.conn.execute(q)]

    def decide_case_action(self, action_id: int, status: str, at: str, by: str) -> None:
        a = tc.case_actions
        self.conn.execute(a.update().where(a.c.id == action_id).values(status=status, decided_at=at, decided_by=by))

    def case_findings(self, case_id: str) -> list[dict[str, Any]]:
        s, f = td.sightings, td.findings
        q = (
            sa.select(
                s, f.c.verdict, f.c.confidence, f.c.tier, f.c.permit_number, f.c.product_id,
                f.c.serial.label("finding_serial"), f.c.observed_user_id, f.c.observed_country, f.c.decided_at,
            )
            .select_from(tc.case_findings.join(s, s.c.id == tc.case_findings.c.sighting_id)
                         .outerjoin(f, f.c.sighting_id == s.c.id))
            .where(tc.case_findings.c.case_id == case_id)
            .order_by(s.c.observed_on, s.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def open_case_for(self, consignee_id: str | None, observed_user_id: str | None) -> CaseRecord | None:
        c = tc.cases
        q = sa.select(c).where(c.c.status == "open")
        q = q.where(c.c.consignee_id.is_(None) if consignee_id is None else c.c.consignee_id == consignee_id)
        q = q.where(c.c.observed_user_id.is_(None) if observed_user_id is None
                    else c.c.observed_user_id == observed_user_id)
        r = self.conn.execute(q.order_by(c.c.opened_on, c.c.id).limit(1)).first()
        return _case(r) if r is not None else None

    def next_case_id(self) -> str:
        c = tc.cases
        ids = self.conn.execute(sa.select(c.c.id).where(c.c.id.like("CASE-%"))).scalars()
        numbers = [int(i[5:]) for i in ids if i[5:].isdigit()]
        return f"CASE-{max(numbers, default=0) + 1:04d}"

    def add_case_findings(self, case_id: str, sighting_ids: Sequence[str]) -> None:
        rows = [(case_id, sid) for sid in sighting_ids]
        vouch_rows(self.conn, tc.case_findings, ("case_id", "sighting_id"), rows)  # not read back when sealed
        for chunk in chunks(rows, CHUNK):
            self.conn.execute(tc.case_findings.insert(), [{"case_id": c, "sighting_id": s} for c, s in chunk])

    def cases_of(self, sighting_ids: Collection[str]) -> dict[str, str]:
        cf = tc.case_findings
        out: dict[str, str] = {}
        for chunk in chunks(sorted(sighting_ids), CHUNK):
            for r in self.conn.execute(sa.select(cf).where(cf.c.sighting_id.in_(chunk))):
                out[r.sighting_id] = r.case_id
        return out

    def case_action_keys(self, case_id: str) -> list[tuple[str, str]]:
        a = tc.case_actions
        q = sa.select(a.c.kind, a.c.target).where(a.c.case_id == case_id)
        return [(r.kind, r.target) for r in self.conn.execute(q)]

    def add_case_actions(self, case_id: str, actions: Sequence[tuple[str, str, str]]) -> None:
        # Ids given, not drawn, so that the rows' digests are vouched for from the values inserted and sealing
        # does not read back every action (a large run inserts hundreds of thousands). The write lock is held:
        # no other writer draws an id meanwhile.
        a = tc.case_actions
        after = int(self.conn.scalar(sa.select(sa.func.max(a.c.id))) or 0)
        columns = ("id", "case_id", "kind", "target", "reason", "status")
        rows = [(after + i, case_id, k, t_, r, "recommended") for i, (k, t_, r) in enumerate(actions, start=1)]
        vouch_rows(self.conn, a, columns, rows)
        insert_rows(self.conn, a, columns, rows)
        if self.conn.dialect.name == "postgresql" and rows:
            # The sequence must not hand out the ids given here again.
            self.conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('case_actions', 'id'), :last)"),
                              {"last": rows[-1][0]})

    def list_case_actions(self, case_id: str) -> list[dict[str, Any]]:
        a = tc.case_actions
        q = sa.select(a).where(a.c.case_id == case_id).order_by(a.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    # -- notes, evidence, inquiries ---------------------------------------------------------------
    def add_note(self, note: CaseNote) -> int:
        n = note
        result = self.conn.execute(
            tc.case_notes.insert().values(case_id=n.case_id, text=n.text, written_on=n.written_on,
                                          written_by=n.written_by, written_at=n.written_at)
            .returning(tc.case_notes.c.id)
        )
        return int(result.scalar_one())

    def notes(self, case_id: str) -> list[CaseNote]:
        n = tc.case_notes
        q = sa.select(n).where(n.c.case_id == case_id).order_by(n.c.written_on, n.c.id)
        return [CaseNote(int(r.id), r.case_id, r.text, r.written_on, r.written_by, r.written_at)
                for r in self.conn.execute(q)]

    def file_known(self, sha256: str) -> bool:
        ef = tc.evidence_files
        return self.conn.scalar(sa.select(ef.c.sha256).where(ef.c.sha256 == sha256)) is not None

    def add_file(self, sha256: str, size: int, stored_at: str, stored_by: str) -> None:
        self.conn.execute(tc.evidence_files.insert().values(sha256=sha256, size=size, stored_at=stored_at,
                                                            stored_by=stored_by))

    def link_file(self, link: EvidenceLink) -> bool:
        ce = tc.case_evidence
        exists = self.conn.scalar(sa.select(ce.c.id).where(ce.c.case_id == link.case_id, ce.c.sha256 == link.sha256))
        if exists is not None:
            return False
        self.conn.execute(ce.insert().values(case_id=link.case_id, sha256=link.sha256, filename=link.filename,
                                             description=link.description, added_by=link.added_by,
                                             added_at=link.added_at))
        return True

    def evidence(self, case_id: str | None = None) -> list[EvidenceLink]:
        ce, ef = tc.case_evidence, tc.evidence_files
        q = sa.select(ce, ef.c.size).join(ef, ef.c.sha256 == ce.c.sha256).order_by(ce.c.added_at, ce.c.id)
        if case_id is not None:
            q = q.where(ce.c.case_id == case_id)
        return [EvidenceLink(r.case_id, r.sha256, r.filename, r.description, r.added_by, r.added_at, int(r.size))
                for r in self.conn.execute(q)]

    def add_inquiry(self, inquiry: Inquiry) -> int:
        i = inquiry
        result = self.conn.execute(
            tc.case_inquiries.insert().values(case_id=i.case_id, to_party=i.to_party, question=i.question,
                                              asked_on=i.asked_on, asked_by=i.asked_by, due_on=i.due_on)
            .returning(tc.case_inquiries.c.id)
        )
        return int(result.scalar_one())

    @staticmethod
    def _inquiry(r: sa.Row[Any]) -> Inquiry:
        return Inquiry(int(r.id), r.case_id, r.to_party, r.question, r.asked_on, r.asked_by, r.answer,
                       r.answered_on, r.answered_by, r.due_on, r.reminded_on)

    def inquiry(self, inquiry_id: int) -> Inquiry | None:
        ci = tc.case_inquiries
        row = self.conn.execute(sa.select(ci).where(ci.c.id == inquiry_id)).first()
        return self._inquiry(row) if row else None

    def answer_inquiry(self, inquiry_id: int, answer: str, answered_on: date, answered_by: str) -> None:
        ci = tc.case_inquiries
        self.conn.execute(ci.update().where(ci.c.id == inquiry_id)
                          .values(answer=answer, answered_on=answered_on, answered_by=answered_by))

    def remind_inquiry(self, inquiry_id: int, reminded_on: date) -> None:
        ci = tc.case_inquiries
        self.conn.execute(ci.update().where(ci.c.id == inquiry_id).values(reminded_on=reminded_on))

    def inquiries_with_due_date(self) -> list[Inquiry]:
        ci = tc.case_inquiries
        q = sa.select(ci).where(ci.c.due_on.is_not(None)).order_by(ci.c.due_on, ci.c.id)
        return [self._inquiry(r) for r in self.conn.execute(q)]

    def inquiries(self, case_id: str) -> list[Inquiry]:
        ci = tc.case_inquiries
        q = sa.select(ci).where(ci.c.case_id == case_id).order_by(ci.c.asked_on, ci.c.id)
        return [self._inquiry(r) for r in self.conn.execute(q)]
