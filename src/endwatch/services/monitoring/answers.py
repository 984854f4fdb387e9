"""Whether parties answer in time, for assessments: the authority's policy on counting overdue answers against a
party (kept in the database, set by an approver, audited) and the answers it reads (outgoing trace requests to a
registered party, case inquiries with a due day to one). Reads only through the unit of work, so that the
assessment area can use it without importing the rest of monitoring."""

from __future__ import annotations

from endwatch.domain.risk.model import AnswerRecord
from endwatch.domain.trace_requests import Direction, Status
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

POLICY_KEY = "policy.count_overdue_answers"


def counts_overdue_answers(uow: UnitOfWork) -> bool:
    """Whether the authority's policy counts overdue answers against a party (off unless set), in `uow`'s
    transaction."""
    return uow.system.get(POLICY_KEY) == "yes"


def set_counts_overdue_answers(uow: UnitOfWork, principal: Principal, counts: bool, reason: str = "") -> bool:
    """Set the policy (action policies.write: approvers and administrators); the value before."""
    with write(uow, principal, Action.POLICIES_WRITE) as w:
        before = counts_overdue_answers(uow)
        if before != counts:
            uow.system.set(POLICY_KEY, "yes" if counts else "no")
            w.record(action="policy.overdue_answers", entity="policy", key=POLICY_KEY, before={"counts": before},
                     after={"counts": counts}, reason=reason)
    return before


def answer_records(uow: UnitOfWork) -> list[AnswerRecord]:
    """Every question put to a registered party with a due day, and when it was answered or closed unanswered."""
    found = [AnswerRecord(r.party_id, "trace request", r.reference, r.opened_on, r.due_on, r.answered_on,
                          r.closed_on if r.status is Status.CLOSED else None)
             for r in uow.trace_requests.find(direction=Direction.OUTGOING) if r.party_id]
    for q in uow.cases.inquiries_with_due_date():
        if q.due_on is not None and uow.parties.get(q.to_party) is not None:
            found.append(AnswerRecord(q.to_party, "inquiry", str(q.id), q.asked_on, q.due_on, q.answered_on))
    return found
