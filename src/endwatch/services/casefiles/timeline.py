"""One timeline per case: everything that bears on it, merged in date order.

What bears on a case: the permits named by its findings, its recommended actions and its decisions, and
the permits of its consignee; their applications (and applications by the same consignee); the policies of
the destinations concerned; deliveries under those permits; the case's sightings and findings, inquiries,
proposed decisions and how each was decided, decisions, notifications, notes and evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from endwatch.domain.permits import Application, Permit, PermitStatus
from endwatch.domain.proposals import Proposal, ProposalStatus
from endwatch.errors import NotFound
from endwatch.services.casefiles.store import CaseRecord
from endwatch.services.uow import UnitOfWork

# Within one day, events read best in causal order: the rule, then the paperwork, then what happened.
_ORDER = ("policy", "application", "assessment", "permit", "delivery", "sighting", "finding", "case", "evidence",
          "inquiry", "proposal", "decision", "notification", "note")


@dataclass(frozen=True)
class Event:
    """One dated entry of a case's timeline. `permit`, `serial`, `actor` and `quantity` are kept apart from
    the text so that a redaction profile can hide them."""

    on: date
    kind: str
    text: str
    actor: str | None = None
    permit: str | None = None
    serial: str | None = None
    quantity: int | None = None
    at: str = ""

    def sort_key(self) -> tuple[date, int, str]:
        return (self.on, _ORDER.index(self.kind) if self.kind in _ORDER else len(_ORDER), self.at)


@dataclass(frozen=True)
class Scope:
    """The records a case concerns."""

    case: CaseRecord
    permits: tuple[Permit, ...]
    applications: tuple[Application, ...]
    destinations: tuple[str, ...]


def concerned(uow: UnitOfWork, case: CaseRecord) -> Scope:
    """The permits, applications and destinations a case concerns."""
    cases = uow.cases
    numbers: set[str] = set()
    apps: set[str] = set()
    for f in cases.case_findings(case.id):
        if f.get("permit_number"):
            numbers.add(f["permit_number"])
    for a in cases.case_actions(case.id):
        if a.kind == "suspend_permit":
            numbers.add(a.target)
        elif a.kind == "hold_application":
            apps.add(a.target)
    for action in uow.enforcement.actions(case.id):
        numbers.update(action.permits)
        apps.update(action.applications)
    permits = [p for p in uow.permits.list() if p.number in numbers or
               (case.consignee_id is not None and p.consignee_id == case.consignee_id)]
    apps.update(p.application_number for p in permits if p.application_number)
    applications = [a for a in uow.applications.list() if a.number in apps or
                    (case.consignee_id is not None and a.consignee_id == case.consignee_id)]
    destinations = sorted({p.destination for p in permits} | {a.destination for a in applications})
    return Scope(case, tuple(permits), tuple(applications), tuple(destinations))


def _name(names: dict[str, str], party_id: str | None) -> str:
    if not party_id:
        return "unknown"
    return names.get(party_id, party_id)


def timeline(uow: UnitOfWork, case_id: str) -> list[Event]:
    """The case's timeline, oldest first (inside an open unit of work)."""
    cases = uow.cases
    case = cases.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    scope = concerned(uow, case)
    names = {p.id: p.name for p in uow.parties.list()}
    events: list[Event] = []
    add = events.append

    for country in scope.destinations:
        for pol in uow.policies.list(country):
            add(Event(pol.effective_from, "policy",
                      f"policy for {country} takes effect: {pol.measure.value} ({pol.id}). {pol.reference}".strip()))
            if pol.effective_to:
                add(Event(pol.effective_to, "policy", f"policy {pol.id} for {country} ends"))

    history: dict[str, list[dict[str, Any]]] = {}
    for h in uow.applications.status_history([a.number for a in scope.applications]):
        history.setdefault(h["application_number"], []).append(h)
    for a in scope.applications:
        add(Event(a.received_on, "application",
                  f"application {a.number} received from {_name(names, a.exporter_id)}: {a.product_id} for "
                  f"{_name(names, a.end_user_id)} via {_name(names, a.consignee_id)}, {a.destination}",
                  quantity=a.quantity))
        for h in history.get(a.number, []):
            if h["status"] == "received":
                continue
            add(Event(h["effective_on"], "application", f"application {a.number} {h['status'].replace('_', ' ')}"
                      + (f": {h['reason']}" if h["reason"] else "")
                      + (f" (reference: {h['reference']})" if h["reference"] else "")))
        events.extend(_assessments(uow, "application", a.number))

    for p in scope.permits:
        # Who recorded each status event, from the audit trail (oldest first, matched in order per status).
        recorded_by: dict[str, list[str]] = {}
        for entry in uow.audit.for_entity("permit", p.number):
            if entry.action.startswith("permit."):
                recorded_by.setdefault(entry.action.removeprefix("permit."), []).append(entry.actor)
        issuers = recorded_by.get("issue") or recorded_by.get("import") or []
        issuer = issuers[0] if issuers else None
        add(Event(p.issued_on, "permit",
                  f"permit {p.number} issued to {_name(names, p.exporter_id)} for {p.product_id} to "
                  f"{_name(names, p.consignee_id)}, declared end user {_name(names, p.end_user_id)}, valid until "
                  f"{p.expires_on.isoformat()}"
                  + (f"; under policy {p.policy_id} ({p.policy_measure}), exception relied on: {p.exception}"
                     if p.exception else ""), actor=issuer, permit=p.number, quantity=p.quantity))
        for change in p.history:
            if change.status is PermitStatus.ISSUED:
                continue
            actors = recorded_by.get(change.status.value, [])
            add(Event(change.effective_on, "permit", f"permit {p.number} {change.status.value}: {change.reason}"
                      + (f" (reference: {change.reference})" if change.reference else ""),
                      actor=actors.pop(0) if actors else None, permit=p.number))
        for r in uow.deliveries.retransfers_for(p.number):
            add(Event(r.authorized_on, "permit",
                      f"re-transfer under permit {p.number} authorised to {_name(names, r.to_party_id)}"
                      + (f" for item {r.serial}" if r.serial else " for every item")
                      + f" (reference: {r.reference})", permit=p.number, serial=r.serial))
        for item in uow.deliveries.for_permit(p.number):
            add(Event(item.item.delivered_on, "delivery",
                      f"item {item.item.serial} delivered under permit {p.number} to "
                      f"{_name(names, item.item.recipient_id)}", permit=p.number, serial=item.item.serial))
        events.extend(_assessments(uow, "permit", p.number))

    for f in cases.case_findings(case_id):
        add(Event(f["observed_on"], "sighting",
                  f"sighting {f['id']}: {f['manufacturer']} {f['model']} serial {f['serial']} seen"
                  + (f" with {f['observed_user']}" if f["observed_user"] else "")
                  + (f" at {f['place']}" if f["place"] else "")
                  + f"; source {f['source'] or 'not given'} graded {f['reliability']}{f['credibility']}",
                  actor=f["recorded_by"], serial=f["serial"], at=f["recorded_at"] or ""))
        if f.get("verdict"):
            decided = _day(f.get("decided_at")) or f["observed_on"]
            add(Event(decided, "finding",
                      f"finding on sighting {f['id']}: {f['verdict']}"
                      + (f" ({f['confidence']})" if f.get("confidence") else "")
                      + (f", traced to permit {f['permit_number']}" if f.get("permit_number") else ""),
                      permit=f.get("permit_number"), serial=f.get("finding_serial"), at=f.get("decided_at") or ""))

    add(Event(case.opened_on, "case", f"case {case.id} opened: {case.title}", actor=case.opened_by))
    for ca in cases.case_actions(case_id):
        on = _day(ca.decided_at) or case.opened_on
        add(Event(on, "decision", f"recommended action {ca.kind.replace('_', ' ')} {ca.target}: {ca.status}"
                  + (f" ({ca.reason})" if ca.reason else ""), actor=ca.decided_by,
                  permit=ca.target if ca.kind == "suspend_permit" else None, at=ca.decided_at or ""))
    permit_numbers = {p.number for p in scope.permits}
    action_ids: set[int] = set()
    for action in uow.enforcement.actions():
        if action.case_id != case_id and not permit_numbers & set(action.permits):
            continue
        assert action.id is not None
        action_ids.add(action.id)
        add(Event(action.effective_on, "decision",
                  f"decision {action.id}: {action.action} permits {', '.join(action.permits) or '(none)'}"
                  + (f"; applications on hold: {', '.join(action.applications)}" if action.applications else "")
                  + f". Reason: {action.reason} (reference: {action.reference})",
                  actor=action.decided_by, at=action.decided_at))
    events.extend(_proposals(uow.proposals.list(case_id), case.opened_on))
    for m in uow.enforcement.messages():
        if m.case_id != case_id and m.action_id not in action_ids:
            continue
        add(Event(_day(m.created_at) or case.opened_on, "notification",
                  f"notification to {_name(names, m.party_id)} queued: {m.subject}", at=m.created_at))
        if m.sent_at:
            add(Event(_day(m.sent_at) or case.opened_on, "notification",
                      f"notification to {_name(names, m.party_id)} delivered (Message-ID {m.message_id})",
                      at=m.sent_at))
    for e in cases.evidence(case_id):
        add(Event(_day(e.added_at) or case.opened_on, "evidence",
                  f"evidence {e.filename} added (sha256 {e.sha256})", actor=e.added_by, at=e.added_at))
    for i in cases.inquiries(case_id):
        add(Event(i.asked_on, "inquiry", f"inquiry {i.id} to {_name(names, i.to_party)}: {i.question}",
                  actor=i.asked_by))
        if i.answered_on and i.answer is not None:
            add(Event(i.answered_on, "inquiry", f"answer to inquiry {i.id} from {_name(names, i.to_party)}: "
                      f"{i.answer}", actor=i.answered_by))
    for n in cases.notes(case_id):
        add(Event(n.written_on, "note", n.text, actor=n.written_by, at=n.written_at))
    if case.closed_on:
        add(Event(case.closed_on, "case", f"case {case.id} closed"))
    return sorted(events, key=Event.sort_key)


def _proposals(proposals: list[Proposal], fallback: date) -> list[Event]:
    """Each proposed decision (who proposed it is the event's actor, not part of the text, so that a redaction
    profile can hide it) and how it was decided: confirmed by a second person, rejected or withdrawn."""
    events = []
    for p in proposals:
        scope = (f"permits {', '.join(p.permits) or '(none)'}"
                 + (f"; applications to hold: {', '.join(p.applications)}" if p.applications else ""))
        events.append(Event(_day(p.proposed_at) or fallback, "proposal",
                            f"proposal {p.id}: {p.describe()} put forward for a second signature ({scope}). "
                            f"Reason: {p.reason} (reference: {p.reference})", actor=p.proposed_by, at=p.proposed_at))
        if p.status is ProposalStatus.PROPOSED:
            continue
        text = {
            ProposalStatus.CONFIRMED: f"proposal {p.id} confirmed by a second signature and applied as decision "
                                      f"{p.enforcement_action_id}",
            ProposalStatus.REJECTED: f"proposal {p.id} rejected: {p.decision_reason}",
            ProposalStatus.WITHDRAWN: f"proposal {p.id} withdrawn by its proposer"
                                      + (f": {p.decision_reason}" if p.decision_reason else ""),
        }[p.status]
        events.append(Event(_day(p.decided_at) or fallback, "proposal", text, actor=p.decided_by,
                            at=p.decided_at or ""))
    return events


def _assessments(uow: UnitOfWork, kind: str, key: str) -> list[Event]:
    """The latest stored assessment of a permit or application, and the decisions taken on an application,
    when the assessment area is installed."""
    repo = getattr(uow, "assessment", None)
    if repo is None:
        return []
    events = []
    if kind == "application":
        for d in repo.decisions(key):
            events.append(Event(d.decided_on, "decision",
                                f"application {key}: decision {d.decision} ({d.state.replace('_', ' ')}): {d.reason}"
                                + (f"; exception relied on: {d.exception}" if d.exception else ""),
                                actor=d.decided_by, at=d.decided_at))
    stored = repo.latest_assessment(kind, key)
    if stored is None:
        return events
    return [*events, Event(stored.as_of, "assessment",
                  f"assessment of {kind} {key}: recommendation {stored.recommendation}"
                  + (f"; conditions: {'; '.join(stored.conditions)}" if stored.conditions else ""),
                  actor=stored.assessed_by, permit=key if kind == "permit" else None, at=stored.assessed_at)]


def _day(stamp: str | None) -> date | None:
    return date.fromisoformat(stamp[:10]) if stamp else None


def case_timeline(uow: UnitOfWork, case_id: str) -> list[Event]:
    """The case's timeline, oldest first. Raises NotFound for an unknown case."""
    with uow:
        return timeline(uow, case_id)
