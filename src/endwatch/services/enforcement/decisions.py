"""Suspend, reinstate, revoke or cancel every permit in a scope, as one deliberate, recorded step.

`preview` shows which permits a decision would change and what each would block. A decision takes two
signatures (services/enforcement/proposals.py: one person proposes it, another confirms it); the
confirmation writes it with `record_decision` in ONE transaction: every permit in scope changes (by the
registry's status rules) or none does, pending applications in scope can be put on hold, each affected
exporter gets a notification in the outbox, and every change is in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date
from email.utils import make_msgid
from typing import Any

from endwatch.domain.permits import (
    DEFAULT_MAX_FUTURE_DAYS,
    Application,
    ApplicationStatus,
    Permit,
    PermitState,
    PermitStatus,
    StatusChange,
    check_effective_date,
    plan_status_change,
)
from endwatch.errors import InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.audit.trail import snapshot
from endwatch.services.enforcement.scope import Action, Scope
from endwatch.services.enforcement.store import EnforcementAction, OutboxMessage
from endwatch.services.gate import Write
from endwatch.services.uow import UnitOfWork

# Which latest recorded statuses a permit selected by filters must have for the action to concern it.
# Permits outside these (already suspended, already final) are listed as skipped, not changed.
_CONCERNS: dict[Action, tuple[PermitStatus, ...]] = {
    Action.suspend: (PermitStatus.ISSUED, PermitStatus.REINSTATED),
    Action.reinstate: (PermitStatus.SUSPENDED,),
    Action.revoke: (PermitStatus.ISSUED, PermitStatus.REINSTATED, PermitStatus.SUSPENDED),
    Action.cancel: (PermitStatus.ISSUED, PermitStatus.REINSTATED, PermitStatus.SUSPENDED),
}


@dataclass(frozen=True)
class PermitImpact:
    """One permit a decision changes, and what the change does."""

    permit: Permit
    state: PermitState
    delivered: int
    remaining: int
    blocks: str
    problem: str | None = None
    from_case: bool = False
    supersedes: tuple[StatusChange, ...] = ()  # scheduled events of the permit this decision makes impossible
    problem_rule: str | None = None  # the rule the problem breaks

    @property
    def superseded_text(self) -> list[str]:
        """The scheduled events superseded, in words: "suspended on 2030-01-05"."""
        return [f"{c.status.value} on {c.effective_on.isoformat()}" for c in self.supersedes]

    def row(self) -> dict[str, Any]:
        p = self.permit
        return {"permit": p.number, "exporter": p.exporter_id, "consignee": p.consignee_id,
                "end_user": p.end_user_id, "destination": p.destination, "product": p.product_id,
                "state": self.state.value, "quantity": p.quantity, "delivered": self.delivered,
                "remaining": self.remaining, "effect": self.blocks, "problem": self.problem or "",
                "supersedes": self.superseded_text}


@dataclass(frozen=True)
class Preview:
    """What a decision would do, computed without writing anything."""

    action: Action
    scope: Scope
    effective_on: date
    permits: tuple[PermitImpact, ...]
    skipped: tuple[tuple[str, str], ...]
    applications: tuple[Application, ...]
    exporters: tuple[str, ...]
    case_actions: tuple[int, ...] = field(default=())

    @property
    def problems(self) -> list[PermitImpact]:
        return [i for i in self.permits if i.problem]


@dataclass(frozen=True)
class Outcome:
    """What an applied decision changed."""

    action_id: int
    preview: Preview
    messages: tuple[str, ...]


def _effect(action: Action, on: date, remaining: int, quantity: int) -> str:
    if action is Action.reinstate:
        return f"deliveries allowed again from {on.isoformat()}; {remaining} of {quantity} may still be delivered"
    until = "for good" if action is Action.revoke else "until reinstated"
    return (f"every delivery from {on.isoformat()} refused {until}; "
            f"{remaining} of {quantity} undelivered items blocked")


def _check_scope(scope: Scope) -> None:
    if scope.is_empty():
        raise InvalidInput([Problem("give at least one of --exporter, --consignee, --end-user, --destination,"
                                    " --product, --category or --case", column="scope")])


def _compute(uow: UnitOfWork, scope: Scope, action: Action, on: date, *, hold_applications: bool,
             reason: str = "", reference: str = "", max_future_days: int | None = DEFAULT_MAX_FUTURE_DAYS) -> Preview:
    """The preview, inside an open unit of work."""
    _check_scope(scope)
    today = uow.now().date()
    products = {p.id: p for p in uow.products.list()}
    permits = uow.permits.list()
    targets: set[str] = set()
    holds: set[str] = set()
    notify: set[str] = set()
    case_actions: list[tuple[int, str, str]] = []  # (id, kind, target) of the recommendations taken up
    if scope.case:
        if uow.cases.case(scope.case) is None:
            raise NotFound("case", scope.case)
        for ca in uow.cases.case_actions(scope.case):
            if action is Action.reinstate:
                # Reinstating under a case undoes the suspensions it applied.
                if ca.kind == "suspend_permit" and ca.status == "applied":
                    targets.add(ca.target)
                continue
            if ca.status != "recommended":
                continue
            if ca.kind == "suspend_permit":
                targets.add(ca.target)
            elif ca.kind == "hold_application" and hold_applications:
                holds.add(ca.target)
            elif ca.kind == "notify_exporter":
                notify.add(ca.target)
            else:
                continue
            case_actions.append((ca.id, ca.kind, ca.target))
        unknown = targets - {p.number for p in permits}
        if unknown:
            raise RuleViolation("case-targets", f"case {scope.case} names unknown permits",
                                [f"permit {n}" for n in sorted(unknown)])
    named = set(scope.permits)
    for number in sorted(named - {p.number for p in permits}):
        raise NotFound("permit", number)
    impacts: list[PermitImpact] = []
    skipped: list[tuple[str, str]] = []
    narrowing = scope.has_filters()
    selected: list[tuple[Permit, bool]] = []
    for p in permits:
        from_case = p.number in targets
        if scope.case and not from_case:
            continue
        if named and p.number not in named:
            continue
        if narrowing and not scope.matches(p, products.get(p.product_id)):
            continue
        # A permit named (by the case or one by one) changes or the decision is refused; one selected by
        # filters is skipped when the decision does not concern it.
        if not from_case and p.number not in named:
            latest = p.latest_status()
            if latest not in _CONCERNS[action]:
                skipped.append((p.number, f"already {latest.value}"))
                continue
            if p.expires_on < on:
                skipped.append((p.number, f"expired on {p.expires_on.isoformat()}"))
                continue
            if p.issued_on > on:
                skipped.append((p.number, f"not yet issued on {on.isoformat()} (issued {p.issued_on.isoformat()})"))
                continue
        selected.append((p, from_case))
    counts = uow.deliveries.count_for_permits([p.number for p, _ in selected])
    for p, from_case in selected:
        delivered = counts[p.number]
        remaining = max(p.quantity - delivered, 0)
        problem = problem_rule = None
        supersedes: tuple[StatusChange, ...] = ()
        change = StatusChange(action.status, on, reason or action.value, reference)
        try:
            check_effective_date(p, change, today, max_future_days)
            _, supersedes = plan_status_change(p, change, today)
        except RuleViolation as exc:
            problem, problem_rule = exc.detail, exc.rule
        impacts.append(PermitImpact(p, p.state_on(on), delivered, remaining,
                                    _effect(action, on, remaining, p.quantity), problem, from_case, supersedes,
                                    problem_rule))
    applications: list[Application] = []
    if hold_applications and action is not Action.reinstate:
        for a in uow.applications.list():
            if a.status is not ApplicationStatus.RECEIVED:
                continue
            if scope.case:
                if a.number in holds and (not narrowing or scope.matches(a, products.get(a.product_id))):
                    applications.append(a)
            elif narrowing and scope.matches(a, products.get(a.product_id)):
                # Permits named one by one hold no application: only filters (party, product...) select them.
                applications.append(a)
    exporters = sorted({i.permit.exporter_id for i in impacts} | {a.exporter_id for a in applications} | notify)
    # Only the recommendations this decision carries out are marked applied (other scope fields may narrow it).
    done = {("suspend_permit", i.permit.number) for i in impacts} | {("hold_application", a.number)
                                                                      for a in applications}
    taken = tuple(i for i, kind, target in case_actions if kind == "notify_exporter" or (kind, target) in done)
    return Preview(action, scope, on, tuple(impacts), tuple(skipped), tuple(applications), tuple(exporters), taken)


def preview(uow: UnitOfWork, scope: Scope, action: Action, as_of: date, *, hold_applications: bool = False,
            max_future_days: int | None = DEFAULT_MAX_FUTURE_DAYS) -> Preview:
    """The permits a decision effective on `as_of` would change, what each would block, the scheduled
    events it would supersede, the pending applications it would put on hold and the exporters it would
    notify. Writes nothing."""
    with uow:
        return _compute(uow, scope, action, as_of, hold_applications=hold_applications,
                        max_future_days=max_future_days)


def _message_body(pv: Preview, reason: str, reference: str, exporter: str, name: str) -> str:
    verb = pv.action.past
    lines = [f"The following export permits held by {name} are {verb} with effect from "
             f"{pv.effective_on.isoformat()}.", "", f"Reason: {reason}", f"Authority reference: {reference}", ""]
    for i in pv.permits:
        if i.permit.exporter_id == exporter:
            lines.append(f"- permit {i.permit.number} ({i.permit.product_id} to {i.permit.consignee_id}, "
                         f"{i.permit.destination}): {i.blocks}")
    held = [a for a in pv.applications if a.exporter_id == exporter]
    if held:
        lines += ["", "The following pending applications are on hold:"]
        lines += [f"- application {a.number} ({a.product_id} for {a.end_user_id})" for a in held]
    if pv.scope.case:
        lines += ["", f"Case: {pv.scope.case}"]
    return "\n".join(lines) + "\n"


def check_reason(reason: str, reference: str) -> None:
    """Raise InvalidInput unless both a reason and the authority's reference are given."""
    problems = []
    if not reason.strip():
        problems.append(Problem("a reason is required", column="reason"))
    if not reference.strip():
        problems.append(Problem("the authority's reference is required", column="reference"))
    if problems:
        raise InvalidInput(problems)


def checked_preview(uow: UnitOfWork, scope: Scope, action: Action, effective_on: date, *, hold_applications: bool,
                    reason: str, reference: str, max_future_days: int | None = DEFAULT_MAX_FUTURE_DAYS) -> Preview:
    """The preview of a decision about to be applied, inside an open unit of work. Raises RuleViolation
    `effective-date` (a date outside a permit's validity or beyond the horizon) or `status-transition`
    naming every permit that cannot take the change, and InvalidInput when nothing is in scope."""
    pv = _compute(uow, scope, action, effective_on, hold_applications=hold_applications, reason=reason,
                  reference=reference, max_future_days=max_future_days)
    if pv.problems:
        rules = {i.problem_rule for i in pv.problems}
        raise RuleViolation(
            "effective-date" if rules == {"effective-date"} else "status-transition",
            f"{len(pv.problems)} permit(s) in scope cannot be {action.past} on {effective_on.isoformat()}: "
            + "; ".join(f"{i.permit.number}: {i.problem}" for i in pv.problems),
            [f"permit {i.permit.number}" for i in pv.problems],
        )
    if not pv.permits and not pv.applications:
        raise InvalidInput([Problem(f"no permit in scope ({scope.describe()}) can be {action.past}",
                                    column="scope")])
    return pv


def record_decision(w: Write, pv: Preview, reason: str, reference: str) -> Outcome:
    """Write a checked preview's decision inside the caller's open write (committed with it): status events,
    holds, the enforcement action, the case's recommendations marked applied,
    the outbox messages and their audit entries."""
    uow = w.uow
    scope, action, effective_on = pv.scope, pv.action, pv.effective_on
    now = uow.now().astimezone(UTC).isoformat(timespec="microseconds")
    change = StatusChange(action.status, effective_on, reason, reference)
    today = uow.now().date()
    for impact in pv.permits:
        before = impact.permit
        history, superseded = plan_status_change(before, change, today)
        for event in superseded:
            note = (f"superseded by the {action.status.value} from {effective_on.isoformat()} decided"
                    f" {today.isoformat()}: {reason}")
            uow.permits.supersede_status_change(before.number, event, note)
            w.record(action="permit.scheduled_superseded", entity="permit", key=before.number,
                     before={"event": event}, after={"event": event, "superseded": note}, reason=reason)
        uow.permits.add_status_change(before.number, change)
        w.record(action=f"permit.{action.status.value}", entity="permit", key=before.number,
                 before={"history": before.history}, after={"history": history}, reason=reason)
    for a in pv.applications:
        uow.applications.add_status_change(a.number, ApplicationStatus.ON_HOLD, effective_on, reason, reference)
        w.record(action="application.on_hold", entity="application", key=a.number,
                 before=a, after={**_app_dict(a), "status": ApplicationStatus.ON_HOLD.value}, reason=reason)
    action_id = uow.enforcement.add_action(EnforcementAction(
        None, action.value, scope.to_dict(), effective_on, reason, reference, w.principal.username, now, scope.case,
        tuple(i.permit.number for i in pv.permits), tuple(a.number for a in pv.applications)))
    w.record(action=f"enforcement.{action.value}", entity="enforcement_action",
             key=str(action_id), after={"scope": scope.to_dict(), "effective_on": effective_on,
                                        "permits": [i.permit.number for i in pv.permits],
                                        "applications": [a.number for a in pv.applications],
                                        "reference": reference}, reason=reason)
    for ca_id in pv.case_actions:
        uow.cases.decide_case_action(ca_id, "applied", now, w.principal.username)
        w.record(action="case.action_applied", entity="case", key=str(scope.case),
                 after={"action": ca_id, "decision": action_id, "status": "applied"}, reason=reason)
    messages = _queue(w, pv, reason, reference, action_id, now)
    return Outcome(action_id, pv, tuple(messages))


def _app_dict(a: Application) -> dict[str, Any]:
    data: dict[str, Any] = snapshot(a)
    return data


def _queue(w: Write, pv: Preview, reason: str, reference: str, action_id: int,
           now: str) -> list[str]:
    """One outbox message per affected exporter, in the decision's transaction."""
    uow = w.uow
    ids: list[str] = []
    for exporter in pv.exporters:
        party = uow.parties.get(exporter)
        name = party.name if party else exporter
        msg = OutboxMessage(
            id=None,
            message_id=make_msgid(idstring=f"{pv.action.value}.{action_id}", domain="endwatch.local"),
            kind=f"enforcement.{pv.action.value}",
            party_id=exporter if party else None,
            to_address=uow.enforcement.contact(exporter) or "",
            subject=f"Export permits {pv.action.past} from {pv.effective_on.isoformat()} ({reference})",
            body=_message_body(pv, reason, reference, exporter, name),
            action_id=action_id,
            case_id=pv.scope.case,
            created_at=now,
            next_attempt_at=now,
        )
        uow.enforcement.add_message(msg)
        w.record(action="notification.queue", entity="outbox", key=msg.message_id,
                 after={"party_id": exporter, "subject": msg.subject, "action_id": action_id}, reason=reason)
        ids.append(msg.message_id)
    return ids
