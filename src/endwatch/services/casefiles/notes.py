"""Dated notes on a case, each one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from endwatch.errors import InvalidInput, Problem
from endwatch.services.audit.trail import record
from endwatch.services.casefiles.cases import require_case, stamp
from endwatch.services.casefiles.store import CaseNote
from endwatch.services.uow import UnitOfWork


def add_note(uow: UnitOfWork, actor: str, case_id: str, text: str, on: date) -> CaseNote:
    """Add a dated note to a case."""
    if not text.strip():
        raise InvalidInput([Problem("the note is empty", column="text")])
    with uow:
        require_case(uow, case_id)
        note = CaseNote(None, case_id, text.strip(), on, actor, stamp(uow))
        note_id = uow.cases.add_note(note)
        record(uow, actor=actor, action="case.note", entity="case", key=case_id, after={"id": note_id, "text": text})
        uow.commit()
    return replace(note, id=note_id)
