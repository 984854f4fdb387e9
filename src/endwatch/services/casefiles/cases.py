"""Case files: opening, closing, reopening and assigning cases, listing them, and everything recorded on one
(`case_file`).

Every write is one transaction with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date
from typing import Any

from endwatch.domain import text as rules
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.authz import Action, Principal
from endwatch.services.casefiles.store import CaseAction, CaseNote, CaseRecord, EvidenceLink, Inquiry
from endwatch.services.gate import write
from endwatch.services.text_rules import clean
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def stamp(uow: UnitOfWork) -> str:
    """Now, as the case records store it: UTC ISO 8601 with microseconds."""
    return uow.now().astimezone(UTC).isoformat(timespec="microseconds")


def require_case(uow: UnitOfWork, case_id: str, *, open_: bool = False) -> CaseRecord:
    """The case, open when `open_` is given; NotFound for an unknown case, RuleViolation `case-closed` for a
    closed one."""
    case = uow.cases.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    if open_ and case.status != "open":
        raise RuleViolation("case-closed", f"case {case_id} was closed on {case.closed_on}; reopen it first",
                            [f"case {case_id}"])
    return case


def _next_case_id(ids: list[str]) -> str:
    numbers = [int(i[5:]) for i in ids if i.startswith("CASE-") and i[5:].isdigit()]
    return f"CASE-{max(numbers, default=0) + 1:04d}"


def open_case(uow: UnitOfWork, principal: Principal, title: str, opened_on: date, *, consignee_id: str | None = None,
              observed_user_id: str | None = None, summary: str = "") -> CaseRecord:
    """Open a new case with the next free id (CASE-0001, ...). The title is a name and the summary free text
    under the field rules (domain/text.py), the party ids identifiers."""
    check = Checker()
    title = clean(check, "title", rules.name(300), title)
    summary = clean(check, "summary", rules.text(10_000), summary)
    for column, value in (("consignee", consignee_id), ("observed_user", observed_user_id)):
        if value:
            clean(check, column, rules.identifier(100), value)
    check.raise_if_any()  # before anything is read: a NUL cannot even be looked up on PostgreSQL
    problems = []
    if not title.strip():
        problems.append(Problem("a title is required", column="title"))
    with write(uow, principal, Action.CASES_WRITE) as w:
        for column, party in (("consignee", consignee_id), ("observed_user", observed_user_id)):
            if party and uow.parties.get(party) is None:
                problems.append(Problem(f"unknown party {party!r}", column=column))
        if problems:
            raise InvalidInput(problems)
        case = CaseRecord(_next_case_id(uow.cases.case_ids()), title.strip(), "open", opened_on, None,
                          consignee_id, observed_user_id, principal.username, summary)
        uow.cases.add_case(case)
        w.record(action="case.open", entity="case", key=case.id, after=case)
    return case


def close_case(uow: UnitOfWork, principal: Principal, case_id: str, closed_on: date, reason: str = "") -> CaseRecord:
    """Close an open case from a date."""
    with write(uow, principal, Action.CASES_WRITE) as w:
        case = require_case(uow, case_id, open_=True)
        if closed_on < case.opened_on:
            raise InvalidInput([Problem(f"{closed_on} is before the case was opened ({case.opened_on})",
                                        column="on")])
        uow.cases.close_case(case_id, closed_on)
        w.record(action="case.close", entity="case", key=case_id,
                 before={"status": case.status}, after={"status": "closed", "closed_on": closed_on}, reason=reason)
    return replace(case, status="closed", closed_on=closed_on)


def reopen_case(uow: UnitOfWork, principal: Principal, case_id: str, reason: str) -> CaseRecord:
    """Reopen a closed case, saying why; the closing stays in the audit trail."""
    if not reason.strip():
        raise InvalidInput([Problem("say why the case is reopened", column="reason")])
    with write(uow, principal, Action.CASES_WRITE) as w:
        case = require_case(uow, case_id)
        if case.status == "open":
            raise RuleViolation("case-open", f"case {case_id} is open: there is nothing to reopen", [f"case {case_id}"])
        uow.cases.reopen_case(case_id)
        w.record(action="case.reopen", entity="case", key=case_id,
                 before={"status": case.status, "closed_on": case.closed_on}, after={"status": "open"},
                 reason=reason.strip())
    return replace(case, status="open", closed_on=None)


# The roles a case may be assigned to: the people who work cases.
ASSIGNABLE_ROLES = frozenset({"investigator", "administrator"})


def assign_case(uow: UnitOfWork, principal: Principal, case_id: str, username: str | None) -> CaseRecord:
    """Assign the case to an active investigator's account (None: nobody)."""
    with write(uow, principal, Action.CASES_WRITE) as w:
        case = require_case(uow, case_id)
        if username is not None:
            user = uow.accounts.get_user(username)
            if user is None or not user.active or user.role not in ASSIGNABLE_ROLES:
                raise InvalidInput([Problem(f"{username!r} is not an active investigator's account",
                                            column="investigator")])
        uow.cases.assign_case(case_id, username)
        w.record(action="case.assign", entity="case", key=case_id, before={"assigned_to": case.assigned_to},
                 after={"assigned_to": username})
    return replace(case, assigned_to=username)


def list_cases(uow: UnitOfWork) -> list[CaseRecord]:
    """Every case, by id."""
    with uow:
        return uow.cases.cases()


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
        case = require_case(uow, case_id)
        return CaseFile(case, tuple(uow.cases.case_actions(case_id)), tuple(uow.cases.evidence(case_id)),
                        tuple(uow.cases.inquiries(case_id)), tuple(uow.cases.notes(case_id)),
                        tuple(uow.cases.case_findings(case_id)))
