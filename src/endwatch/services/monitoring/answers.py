"""Whether parties answer in time, for assessments: the authority's policy on counting overdue answers against a
party, kept in the database as versions by effective date (set by an approver, audited), and the answers it reads
(outgoing trace requests to a registered party, case inquiries with a due day to one). An assessment follows the
version in force on its own date (World.answer_policy). Reads only through the unit of work, so that the
assessment area can use it without importing the rest of monitoring."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.model import AnswerRecord, policy_in_force
from endwatch.domain.trace_requests import Direction, Status
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.monitoring.store import AnswerPolicyVersion
from endwatch.services.uow import UnitOfWork

FIRST = date(1900, 1, 1)  # the earliest day a version may take effect from (as the plan's days)


def policy_versions(uow: UnitOfWork) -> list[AnswerPolicyVersion]:
    """Every version of the policy, earliest effective first, in `uow`'s transaction (none: nothing counts)."""
    return uow.trace_requests.answer_policies()


def as_versions(versions: list[AnswerPolicyVersion]) -> tuple[tuple[date, bool], ...]:
    """The versions as an assessment's world holds them: (effective from, counts)."""
    return tuple((v.effective_from, v.counts) for v in versions)


def counts_overdue_answers(uow: UnitOfWork, on: date) -> bool:
    """Whether the policy in force on `on` counts overdue answers against a party, in `uow`'s transaction."""
    return policy_in_force(as_versions(policy_versions(uow)), on)


def set_answer_policy(uow: UnitOfWork, principal: Principal, counts: bool, effective_from: date,
                      reason: str = "") -> AnswerPolicyVersion | None:
    """Store a version of the policy effective from `effective_from` (action policies.write: approvers and
    administrators), audited with the version it replaces, if any (a version with the same effective date is
    corrected, the trail keeps both); returns that replaced version. Later versions stay in force from their own
    dates. A day before 1900 is refused, naming it; nothing is written."""
    if effective_from < FIRST:
        raise InvalidInput([Problem(f"{effective_from} is before {FIRST}: a policy takes effect from a day since"
                                    f" {FIRST.year}", column="from")])
    with write(uow, principal, Action.POLICIES_WRITE) as w:
        before = next((v for v in policy_versions(w.uow) if v.effective_from == effective_from), None)
        version = AnswerPolicyVersion(effective_from, counts, principal.username,
                                      w.uow.now().isoformat(timespec="seconds"), reason.strip())
        w.uow.trace_requests.save_answer_policy(version)
        w.record(action="policy.overdue_answers", entity="answer_policy", key=effective_from.isoformat(),
                 before={"counts": before.counts, "set_by": before.set_by, "reason": before.reason}
                 if before else None,
                 after={"effective_from": effective_from, "counts": counts}, reason=reason)
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
