"""Decisions on applications, with four eyes where the rules demand them.

Approving against a `deny` or `refer` recommendation, or under a policy exception, needs a written
justification and a second, different approver; until the second signature the application stays on
hold and `check_may_issue` refuses a permit. Every decision is assessed first (the assessment is stored
and cited) and audited. Status changes go through
`services.registry.applications.change_application_status`, in the decision's own transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from endwatch.domain.permits import ApplicationStatus, check_decision_date
from endwatch.domain.risk.model import Severity
from endwatch.domain.risk.recommend import Recommendation
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.assessment.assess import AssessmentResult, application_subject, assess_in, load_world
from endwatch.services.assessment.store import Decision
from endwatch.services.authz import Action, Principal, require_signature
from endwatch.services.gate import write
from endwatch.services.registry.applications import change_application_status
from endwatch.services.uow import UnitOfWork

DECISIONS = ("approve", "deny", "hold")
AWAITING = "awaiting_second"


def needs_second_approver(decision: str, result: AssessmentResult) -> list[str]:
    """Why an approval needs a justification and a second approver (empty when it does not)."""
    if decision != "approve":
        return []
    a = result.assessment
    why = []
    if a.recommendation in (Recommendation.DENY, Recommendation.REFER):
        why.append(f"the assessment recommends {a.recommendation.value}")
    policy = a.indicator("destination-policy")
    if a.subject.exception and policy.severity is not Severity.NONE:
        why.append(f"the approval relies on the policy exception {a.subject.exception!r}")
    return why


def decide(uow: UnitOfWork, principal: Principal, application_number: str, decision: str, *, reason: str,
           on: date, justification: str | None = None, exception: str | None = None) -> Decision:
    """Record a decision (approve, deny, hold) on a pending application, assessed as of `on`.

    A four-eyes approval is recorded as awaiting a second approver and puts the application on hold; no
    other decision can be taken while it waits (rule `decision-pending`). A decision is signed by its
    approver in person (never by a service account, never on someone's behalf).
    """
    problems = []
    if decision not in DECISIONS:
        problems.append(Problem(f"{decision!r} is not one of {', '.join(DECISIONS)}", column="decision"))
    if not reason.strip():
        problems.append(Problem("a reason is required", column="reason"))
    if problems:
        raise InvalidInput(problems)
    require_signature(principal, f"a decision on application {application_number}",
                      [f"application {application_number}"])
    actor = principal.username
    with write(uow, principal, Action.APPLICATIONS_DECIDE) as w:
        app = uow.applications.get(application_number)
        if app is None:
            raise NotFound("application", application_number)
        waiting = [d for d in uow.assessment.decisions(application_number) if d.state == AWAITING]
        if waiting:
            first = waiting[-1]
            raise RuleViolation("decision-pending",
                                f"the approval of application {application_number} by {first.decided_by} awaits a"
                                " second approver: countersign it, or let it stand, before deciding again",
                                [f"application {application_number}", f"decision {first.id}"])
        if not app.status.pending:
            raise RuleViolation("application-final",
                                f"application {application_number} is already {app.status.value};"
                                " it can no longer be decided", [f"application {application_number}"])
        check_decision_date(application_number, on, app.received_on, uow.now().date())
        world = load_world(uow)
        subject = application_subject(world, application_number, on, exception, justification)
        result = assess_in(w, subject, world, on, f"decision: {decision} by {actor}")
        why = needs_second_approver(decision, result)
        if why and not (justification or "").strip():
            raise InvalidInput([Problem(f"approving needs a written justification because {' and '.join(why)}",
                                        column="justification")])
        state = AWAITING if why else "final"
        d = Decision(None, application_number, decision, state, on, actor, result.assessed_at, reason.strip(),
                     result.assessment.recommendation.value, bool(why), (justification or "").strip() or None,
                     subject.exception, result.id)
        d = replace(d, id=uow.assessment.add_decision(d))
        w.record(action=f"decision.{decision}", entity="application", key=application_number,
                 after=d, reason=reason.strip() + (f" (needs a second approver: {'; '.join(why)})" if why else ""))
        status = {"approve": ApplicationStatus.APPROVED, "deny": ApplicationStatus.DENIED,
                  "hold": ApplicationStatus.ON_HOLD}[decision]
        if state == AWAITING:
            change_application_status(w, application_number, ApplicationStatus.ON_HOLD, on,
                                      f"approval awaiting a second approver: {reason.strip()}", f"decision {d.id}")
        else:
            change_application_status(w, application_number, status, on, reason.strip(), f"decision {d.id}")
    return d  # the decision and the status change it causes, committed together


def countersign(uow: UnitOfWork, principal: Principal, application_number: str, *, reason: str,
                on: date) -> Decision:
    """Add the second signature to an approval awaiting it; the approver must be someone else, signing in
    person. The application is then approved."""
    if not reason.strip():
        raise InvalidInput([Problem("a reason is required", column="reason")])
    require_signature(principal, f"the approval of application {application_number}",
                      [f"application {application_number}"])
    actor = principal.username
    with write(uow, principal, Action.APPLICATIONS_DECIDE) as w:
        waiting = [d for d in uow.assessment.decisions(application_number) if d.state == AWAITING]
        if not waiting:
            raise RuleViolation("four-eyes", f"no approval of application {application_number} awaits a second"
                                " approver", [f"application {application_number}"])
        d = waiting[-1]
        check_decision_date(application_number, on, d.decided_on, uow.now().date(), "first signed")
        if d.decided_by == actor:
            raise RuleViolation("four-eyes", f"the second approver must be someone other than {actor}, who"
                                " approved first", [f"application {application_number}", f"decision {d.id}"])
        assert d.id is not None
        at = uow.now().isoformat(timespec="microseconds")
        uow.assessment.countersign(d.id, actor, at)
        after = replace(d, state="countersigned", second_by=actor, second_at=at)
        w.record(action="decision.countersign", entity="application", key=application_number,
                 before=d, after=after, reason=reason.strip())
        change_application_status(w, application_number, ApplicationStatus.APPROVED, on,
                                  f"approved by {d.decided_by} and countersigned by {actor}: {reason.strip()}",
                                  f"decision {d.id}")
    return after  # the second signature and the approval, committed together


def check_may_issue(uow: UnitOfWork, application_number: str) -> None:
    """Raise RuleViolation `four-eyes` when a permit may not be issued on the application yet: its latest
    decision awaits a second approver, or is a denial or a hold."""
    with uow:
        decisions = uow.assessment.decisions(application_number)
    if not decisions:
        return
    last = decisions[-1]
    if last.state == AWAITING:
        raise RuleViolation("four-eyes", f"the approval of application {application_number} by {last.decided_by}"
                            " awaits a second, different approver", [f"application {application_number}"])
    if last.decision != "approve":
        raise RuleViolation("decision", f"application {application_number} was decided: {last.decision}",
                            [f"application {application_number}"])


def list_decisions(uow: UnitOfWork, application_number: str | None = None) -> list[Decision]:
    """Decisions, oldest first (for one application, or all)."""
    with uow:
        return uow.assessment.decisions(application_number)
