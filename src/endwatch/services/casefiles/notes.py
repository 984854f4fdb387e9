"""Dated notes on a case, each one transaction with its audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, Principal
from endwatch.services.casefiles.cases import require_case, stamp
from endwatch.services.casefiles.store import CaseNote
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


def add_note(uow: UnitOfWork, principal: Principal, case_id: str, text: str, on: date) -> CaseNote:
    """Add a dated note to a case."""
    if not text.strip():
        raise InvalidInput([Problem("the note is empty", column="text")])
    with write(uow, principal, Action.CASES_WRITE) as w:
        require_case(uow, case_id)
        note = CaseNote(None, case_id, text.strip(), on, principal.username, stamp(uow))
        note_id = uow.cases.add_note(note)
        w.record(action="case.note", entity="case", key=case_id, after={"id": note_id, "text": text})
    return replace(note, id=note_id)
