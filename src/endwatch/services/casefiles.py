"""Case files: open and close cases, notes, content-addressed evidence, inquiries and their answers.

Every write is one transaction with its audit entry. Evidence bytes live under a store folder
(`$ENDWATCH_HOME/evidence`) at `<sha256[:2]>/<sha256>`; the database records each distinct file once
and which case it was attached to, by whom and when.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.audit.trail import record
from endwatch.services.enforcement_store import (
    CaseAction,
    CaseNote,
    CaseRecord,
    EvidenceLink,
    Inquiry,
    OutboxMessage,
)
from endwatch.services.uow import UnitOfWork

_CHUNK = 1 << 20


def _stamp(uow: UnitOfWork) -> str:
    return uow.now().astimezone(UTC).isoformat(timespec="microseconds")


def _require_case(uow: UnitOfWork, case_id: str, *, open_: bool = False) -> CaseRecord:
    case = uow.enforcement.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    if open_ and case.status != "open":
        raise RuleViolation("case-closed", f"case {case_id} was closed on {case.closed_on}; reopen is not possible",
                            [f"case {case_id}"])
    return case


def _next_case_id(ids: list[str]) -> str:
    numbers = [int(i[5:]) for i in ids if i.startswith("CASE-") and i[5:].isdigit()]
    return f"CASE-{max(numbers, default=0) + 1:04d}"


def open_case(uow: UnitOfWork, actor: str, title: str, opened_on: date, *, consignee_id: str | None = None,
              observed_user_id: str | None = None, summary: str = "") -> CaseRecord:
    """Open a new case with the next free id (CASE-0001, ...)."""
    problems = []
    if not title.strip():
        problems.append(Problem("a title is required", column="title"))
    with uow:
        for column, party in (("consignee", consignee_id), ("observed_user", observed_user_id)):
            if party and uow.parties.get(party) is None:
                problems.append(Problem(f"unknown party {party!r}", column=column))
        if problems:
            raise InvalidInput(problems)
        case = CaseRecord(_next_case_id(uow.enforcement.case_ids()), title.strip(), "open", opened_on, None,
                          consignee_id, observed_user_id, actor, summary)
        uow.enforcement.add_case(case)
        record(uow, actor=actor, action="case.open", entity="case", key=case.id, after=case)
        uow.commit()
    return case


def close_case(uow: UnitOfWork, actor: str, case_id: str, closed_on: date, reason: str = "") -> CaseRecord:
    """Close an open case from a date."""
    with uow:
        case = _require_case(uow, case_id, open_=True)
        if closed_on < case.opened_on:
            raise InvalidInput([Problem(f"{closed_on} is before the case was opened ({case.opened_on})",
                                        column="on")])
        uow.enforcement.close_case(case_id, closed_on)
        record(uow, actor=actor, action="case.close", entity="case", key=case_id,
               before={"status": case.status}, after={"status": "closed", "closed_on": closed_on}, reason=reason)
        uow.commit()
    return replace(case, status="closed", closed_on=closed_on)


def list_cases(uow: UnitOfWork) -> list[CaseRecord]:
    """Every case, by id."""
    with uow:
        return uow.enforcement.cases()


def add_note(uow: UnitOfWork, actor: str, case_id: str, text: str, on: date) -> CaseNote:
    """Add a dated note to a case."""
    if not text.strip():
        raise InvalidInput([Problem("the note is empty", column="text")])
    with uow:
        _require_case(uow, case_id)
        note = CaseNote(None, case_id, text.strip(), on, actor, _stamp(uow))
        note_id = uow.enforcement.add_note(note)
        record(uow, actor=actor, action="case.note", entity="case", key=case_id, after={"id": note_id, "text": text})
        uow.commit()
    return replace(note, id=note_id)


@dataclass(frozen=True)
class Attached:
    """The outcome of attaching one file: its digest, whether the bytes were new to the store, and whether
    it was newly linked to the case."""

    filename: str
    sha256: str
    size: int
    stored: bool
    linked: bool


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def stored_path(store: Path, sha256: str) -> Path:
    """Where the bytes with this digest live in the evidence store."""
    return store / sha256[:2] / sha256


def _put(store: Path, source: Path, sha256: str) -> bool:
    """Copy `source` into the store under its digest (atomically); False when it was already there intact."""
    target = stored_path(store, sha256)
    if target.exists() and file_digest(target)[0] == sha256:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if file_digest(Path(tmp))[0] != sha256:  # the source changed while we read it
            raise InvalidInput([Problem(f"{source} changed while it was being stored", column="file")])
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


def attach(uow: UnitOfWork, actor: str, store: Path, case_id: str, files: list[Path],
           description: str = "") -> list[Attached]:
    """Store evidence files content-addressed and attach them to a case, all in one transaction.

    The same content is stored once, whatever its name; attaching it to the same case again changes nothing.
    """
    missing = [Problem(f"{p} is not a readable file", column="file") for p in files if not p.is_file()]
    if missing or not files:
        raise InvalidInput(missing or [Problem("give at least one file", column="file")])
    digests = [(p, *file_digest(p)) for p in files]
    with uow:
        _require_case(uow, case_id)
        now = _stamp(uow)
        results: list[Attached] = []
        for path, sha, size in digests:
            # Bytes first: a file on disk with no row is harmless (content-addressed), a row without bytes is not.
            wrote = _put(store, path, sha)
            known = uow.enforcement.file_known(sha)
            if not known:
                uow.enforcement.add_file(sha, size, now, actor)
            linked = uow.enforcement.link_file(EvidenceLink(case_id, sha, path.name, description, actor, now, size))
            if linked:
                record(uow, actor=actor, action="case.attach", entity="case", key=case_id,
                       after={"sha256": sha, "filename": path.name, "size": size, "description": description})
            results.append(Attached(path.name, sha, size, wrote or not known, linked))
        uow.commit()
    return results


@dataclass(frozen=True)
class FileCheck:
    """The result of re-hashing one stored evidence file."""

    sha256: str
    size: int
    status: str  # ok | changed | missing
    cases: tuple[str, ...]
    filenames: tuple[str, ...]


def verify(uow: UnitOfWork, store: Path, case_id: str | None = None) -> list[FileCheck]:
    """Re-hash every stored evidence file (of one case, or all) and say which are intact, changed or missing."""
    with uow:
        if case_id is not None:
            _require_case(uow, case_id)
        links = uow.enforcement.evidence(case_id)
    by_sha: dict[str, list[EvidenceLink]] = {}
    for link in links:
        by_sha.setdefault(link.sha256, []).append(link)
    checks = []
    for sha, group in sorted(by_sha.items()):
        path = stored_path(store, sha)
        status = "missing" if not path.is_file() else "ok" if file_digest(path)[0] == sha else "changed"
        checks.append(FileCheck(sha, group[0].size, status, tuple(sorted({g.case_id for g in group})),
                                tuple(sorted({g.filename for g in group}))))
    return checks


def ask(uow: UnitOfWork, actor: str, case_id: str, to: str, question: str, asked_on: date, *,
        send: bool = False) -> Inquiry:
    """Record a question put to a party (a party id, or free text for one not in the registry).

    With `send`, the question also goes to the party by e-mail through the outbox, in the same transaction
    (the party must then be a known party).
    """
    problems = [Problem(f"{name} is required", column=name) for name, v in (("to", to), ("question", question))
                if not v.strip()]
    if problems:
        raise InvalidInput(problems)
    with uow:
        # An inquiry may predate the case file: cases are often opened to record work already under way.
        _require_case(uow, case_id)
        party = uow.parties.get(to.strip())
        if send and party is None:
            raise InvalidInput([Problem(f"{to!r} is not a known party id, so the question cannot be sent",
                                        column="to")])
        inquiry = Inquiry(None, case_id, to.strip(), question.strip(), asked_on, actor)
        inquiry_id = uow.enforcement.add_inquiry(inquiry)
        record(uow, actor=actor, action="case.inquiry", entity="case", key=case_id,
               after={"id": inquiry_id, "to": inquiry.to_party, "question": inquiry.question, "asked_on": asked_on})
        if send and party is not None:
            now = _stamp(uow)
            message = OutboxMessage(
                id=None, message_id=make_msgid(idstring=f"inquiry.{inquiry_id}", domain="endwatch.local"),
                kind="inquiry", party_id=party.id, to_address=uow.enforcement.contact(party.id) or "",
                subject=f"Inquiry {inquiry_id} about case {case_id}",
                body=f"{question.strip()}\n\nPlease answer quoting inquiry {inquiry_id} (case {case_id}), "
                     f"asked on {asked_on.isoformat()}.\n",
                action_id=None, case_id=case_id, created_at=now, next_attempt_at=now)
            uow.enforcement.add_message(message)
            record(uow, actor=actor, action="notification.queue", entity="outbox", key=message.message_id,
                   after={"party_id": party.id, "subject": message.subject, "inquiry": inquiry_id})
        uow.commit()
    return Inquiry(inquiry_id, case_id, inquiry.to_party, inquiry.question, asked_on, actor)


def answer(uow: UnitOfWork, actor: str, inquiry_id: int, text: str, answered_on: date) -> Inquiry:
    """Record the answer to an inquiry, dated; an inquiry is answered once."""
    if not text.strip():
        raise InvalidInput([Problem("the answer is empty", column="text")])
    with uow:
        inquiry = uow.enforcement.inquiry(inquiry_id)
        if inquiry is None:
            raise NotFound("inquiry", str(inquiry_id))
        if inquiry.answered_on is not None:
            raise RuleViolation("inquiry-answered", f"inquiry {inquiry_id} was answered on {inquiry.answered_on}",
                                [f"inquiry {inquiry_id}", f"case {inquiry.case_id}"])
        if answered_on < inquiry.asked_on:
            raise InvalidInput([Problem(f"{answered_on} is before the question was asked ({inquiry.asked_on})",
                                        column="on")])
        uow.enforcement.answer_inquiry(inquiry_id, text.strip(), answered_on, actor)
        record(uow, actor=actor, action="case.answer", entity="case", key=inquiry.case_id,
               after={"inquiry": inquiry_id, "answer": text.strip(), "answered_on": answered_on})
        uow.commit()
    return Inquiry(inquiry.id, inquiry.case_id, inquiry.to_party, inquiry.question, inquiry.asked_on,
                   inquiry.asked_by, text.strip(), answered_on, actor)


@dataclass(frozen=True)
class CaseFile:
    """Everything recorded on a case."""

    case: CaseRecord
    actions: tuple[CaseAction, ...]
    evidence: tuple[EvidenceLink, ...]
    inquiries: tuple[Inquiry, ...]
    notes: tuple[CaseNote, ...]
    findings: tuple[dict[str, Any], ...] = ()


def case_file(uow: UnitOfWork, case_id: str) -> CaseFile:
    """One case with its recommended actions, evidence, inquiries and notes."""
    with uow:
        case = _require_case(uow, case_id)
        return CaseFile(case, tuple(uow.enforcement.case_actions(case_id)), tuple(uow.enforcement.evidence(case_id)),
                        tuple(uow.enforcement.inquiries(case_id)), tuple(uow.enforcement.notes(case_id)),
                        tuple(uow.enforcement.case_findings(case_id)))
