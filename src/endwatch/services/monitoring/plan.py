"""The plan: which checks the programme in force asks for as of a day, due, overdue and coming, by destination
and end user. The delivered items are aggregated per permit in SQL (one pass over `deliveries`); the rules
then run per permit and per pending application, which are few beside the items.

Promises: a check of a kind done on a subject (a check with a `done_on` on or before the day) satisfies what
the rule asked before it; a recurring rule (`every_months`) is due again that many months after it, and an
inventory also within `within_days` of any item delivered after it; nothing is listed once the rule's term
(`lasts_years` after the last delivery) has ended, nor later than the programme's horizon.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from endwatch.domain.deadlines import add_months
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, Principal, company_scope, require
from endwatch.services.monitoring.programme import CheckKind, Programme, Rule, from_version
from endwatch.services.monitoring.store import ApplicationFacts, ItemFacts, PermitFacts
from endwatch.services.uow import UnitOfWork


class Status:
    OVERDUE = "overdue"
    DUE = "due"
    COMING = "coming"


@dataclass(frozen=True)
class PlannedCheck:
    """One check the programme asks for: of which kind, on what, by which rule, due when, and how it stands."""

    destination: str
    end_user_id: str
    exporter_id: str
    kind: str
    subject_kind: str  # permit | application
    subject_key: str
    rule: str
    due_on: date
    status: str
    days_overdue: int
    items: int  # items the check concerns (delivered under the permit; for an inventory, those unchecked)
    last_done: date | None
    designated: bool


@dataclass(frozen=True)
class Plan:
    """The plan as of a day under the programme version in force (None: no programme)."""

    as_of: date
    programme_from: date | None
    checks: list[PlannedCheck] = field(default_factory=list)
    designated_items: int = 0  # items of designated products delivered by the day
    designated_items_overdue: int = 0  # of those, items whose inventory is overdue

    @property
    def overdue_share(self) -> float | None:
        """The share of designated items whose inventory is overdue (None when there are none)."""
        return self.designated_items_overdue / self.designated_items if self.designated_items else None


def add_years(d: date, years: int) -> date:
    """`d` that many years later (29 February becomes 28 February in a common year)."""
    return add_months(d, 12 * years)


def plan(uow: UnitOfWork, principal: Principal, as_of: date) -> Plan:
    """What the programme in force on `as_of` asks for on that day. An exporter sees only its own permits'
    and applications' checks."""
    require(principal, Action.CHECKS_READ)
    return plan_for(uow, company_scope(principal), as_of)


def plan_for(uow: UnitOfWork, scope: str | None, as_of: date) -> Plan:
    """The plan on `as_of` for one exporter's permits and applications (`scope`), or for all of them (None);
    the caller has settled who may read it (`plan`, or the series' recording job)."""
    if not date(1900, 1, 1) <= as_of <= date(9000, 12, 31):
        raise InvalidInput([Problem(f"{as_of} is not a day a plan can be made for (1900 to 9000)", column="as_of")])
    with uow:
        version = uow.checks.programme_on(as_of)
        if version is None:
            return Plan(as_of, None)
        programme = from_version(version)
        permits = uow.checks.permit_facts(as_of)
        applications = uow.checks.pending_applications(as_of)
        if scope is not None:
            permits = [p for p in permits if p.exporter_id == scope]
            applications = [a for a in applications if a.exporter_id == scope]
        categories = uow.checks.product_categories()
        subjects = [("permit", p.number) for p in permits]
        subjects += [("application", p.application_number) for p in permits if p.application_number]
        subjects += [("application", a.number) for a in applications]
        assessed = uow.assessment.latest_assessments(subjects, as_of) if subjects else {}

        def assessment(*keys: tuple[str, str | None]) -> tuple[str | None, tuple[str, ...]]:
            # The permit's own latest assessment, else its application's: what the licence rests on.
            found = [assessed[(k, v)] for k, v in keys if v is not None and (k, v) in assessed]
            if not found:
                return None, ()
            latest = max(found, key=lambda a: (a.as_of, a.id or 0))
            return latest.recommendation, tuple(latest.conditions)

        # Which rules select which permits needs no item: the items are read only for the permits some rule
        # selects, and for designated ones (the share of their items overdue), in one pass when that is most.
        selected: list[tuple[PermitFacts, list[Rule]]] = []
        for p in permits:
            rec, conds = assessment(("permit", p.number), ("application", p.application_number))
            rules = [rule for rule in programme.rules if rule.kind is not CheckKind.PRE_LICENCE and rule.when.holds(
                designated=p.designated, categories=categories.get(p.product_id, ()), destination=p.destination,
                end_user=p.end_user_id, recommendation=rec, conditions=conds)]
            if rules or p.designated:
                selected.append((p, rules))
        wanted = [p.number for p, _ in selected]
        items = uow.checks.item_facts(wanted if len(wanted) * 2 < len(permits) else None, as_of) if wanted else {}
    none = ItemFacts(0, None, None, 0, None)
    selected = [(replace(p, **vars(items.get(p.number, none))), rules) for p, rules in selected]

    checks: list[PlannedCheck] = []
    overdue_permits: set[str] = set()
    for p, rules in selected:
        for rule in rules:
            planned = _for_permit(rule, p, as_of, programme)
            if planned is not None:
                checks.append(planned)
                if planned.kind == CheckKind.INVENTORY and planned.status == Status.OVERDUE:
                    overdue_permits.add(p.number)
    for a in applications:
        rec, conds = assessment(("application", a.number))
        for rule in programme.rules:
            if rule.kind is not CheckKind.PRE_LICENCE:
                continue
            if rule.when.holds(designated=a.designated, categories=categories.get(a.product_id, ()),
                               destination=a.destination, end_user=a.end_user_id, recommendation=rec,
                               conditions=conds):
                planned = _for_application(rule, a, as_of, programme)
                if planned is not None:
                    checks.append(planned)
    designated = [p for p, _ in selected if p.designated]
    checks.sort(key=lambda c: (c.destination, c.end_user_id, c.due_on, c.kind, c.subject_key, c.rule))
    return Plan(as_of, programme.effective_from, checks, sum(p.items for p in designated),
                sum(p.items for p in designated if p.number in overdue_permits))


def _status(due: date, as_of: date, programme: Programme) -> str | None:
    if due < as_of:
        return Status.OVERDUE
    if due <= as_of + timedelta(days=programme.due_soon_days):
        return Status.DUE
    if due <= as_of + timedelta(days=programme.horizon_days):
        return Status.COMING
    return None


def _for_permit(rule: Rule, p: PermitFacts, as_of: date, programme: Programme) -> PlannedCheck | None:
    last = p.done.get(rule.kind.value)
    items = p.items
    if rule.kind is CheckKind.PRE_SHIPMENT:
        if last is not None or (p.items == 0 and p.expires_on < as_of):
            return None  # done; or the permit ran out unused, so there is nothing left to ship
        due = p.issued_on + timedelta(days=rule.within_days)
    else:
        if p.first_delivered is None or p.last_delivered is None:
            return None  # nothing delivered yet: nothing to see after shipment
        if rule.lasts_years is not None and add_years(p.last_delivered, rule.lasts_years) < as_of:
            return None  # the undertaking's term has ended for every item
        if last is not None and last >= p.first_delivered:
            if rule.every_months is None:
                return None
            due = add_months(last, rule.every_months)
            if rule.kind is CheckKind.INVENTORY:
                items = p.unchecked_items if p.first_unchecked else items
                if p.first_unchecked is not None:  # delivered since: their first inventory is due sooner
                    due = min(due, p.first_unchecked + timedelta(days=rule.within_days))
        else:
            due = p.first_delivered + timedelta(days=rule.within_days)
        if rule.lasts_years is not None and due > add_years(p.last_delivered, rule.lasts_years):
            return None
    return _planned(rule, "permit", p.number, p.destination, p.end_user_id, p.exporter_id, due, as_of, programme,
                    items, last, p.designated)


def _for_application(rule: Rule, a: ApplicationFacts, as_of: date, programme: Programme) -> PlannedCheck | None:
    if rule.kind.value in a.done:
        return None
    due = a.received_on + timedelta(days=rule.within_days)
    return _planned(rule, "application", a.number, a.destination, a.end_user_id, a.exporter_id, due, as_of,
                    programme, a.quantity, None, a.designated)


def _planned(rule: Rule, subject_kind: str, key: str, destination: str, end_user: str, exporter: str, due: date,
             as_of: date, programme: Programme, items: int, last: date | None,
             designated: bool) -> PlannedCheck | None:
    status = _status(due, as_of, programme)
    if status is None:
        return None
    return PlannedCheck(destination, end_user, exporter, rule.kind.value, subject_kind, key, rule.id, due, status,
                        max(0, (as_of - due).days), items, last, designated)


def rows(checks: Iterable[PlannedCheck]) -> list[dict[str, object]]:
    """The plan's checks as flat records (for tables, CSV and JSON)."""
    return [{"destination": c.destination, "end_user_id": c.end_user_id, "kind": c.kind,
             "subject": c.subject_kind, "number": c.subject_key, "rule": c.rule, "due_on": c.due_on,
             "status": c.status, "days_overdue": c.days_overdue, "items": c.items, "last_done": c.last_done,
             "exporter_id": c.exporter_id} for c in checks]


# Overdue checks by how late they are, for the dashboard: (label, fewest days, most days; None: no bound).
AGES: tuple[tuple[str, int, int | None], ...] = (
    ("1-30 days", 1, 30), ("31-90 days", 31, 90), ("91-180 days", 91, 180), ("181-365 days", 181, 365),
    ("over a year", 366, None))


def overdue_by_age(p: Plan) -> list[tuple[str, int]]:
    """How many overdue checks of the plan fall in each age bracket (AGES), in order."""
    return [(label, sum(1 for c in p.checks if c.status == Status.OVERDUE and low <= c.days_overdue
                        and (high is None or c.days_overdue <= high)))
            for label, low, high in AGES]


@dataclass(frozen=True)
class OverdueWork:
    """What is overdue as of a day, for the dashboard: checks the programme asks for and checks planned but not
    recorded done, each by age (AGES), and the share of designated items whose inventory is overdue."""

    as_of: date
    programme_from: date | None
    asked: tuple[int, ...]  # overdue checks of the plan, per AGES bracket
    planned: tuple[int, ...]  # checks planned before the day and not recorded done, per AGES bracket
    designated_items: int
    designated_items_overdue: int

    @property
    def by_age(self) -> list[tuple[str, int, int]]:
        """(label, asked by the programme, planned and not done) per age bracket."""
        return [(label, a, p) for (label, _, _), a, p in zip(AGES, self.asked, self.planned, strict=True)]

    @property
    def total(self) -> int:
        return sum(self.asked) + sum(self.planned)

    @property
    def overdue_share(self) -> float | None:
        return self.designated_items_overdue / self.designated_items if self.designated_items else None


def overdue_work(uow: UnitOfWork, principal: Principal, as_of: date) -> OverdueWork:
    """The overdue work as of `as_of` (an exporter: on its own permits and applications only): the plan (its items
    aggregated per permit in SQL) and the late checks counted per age bracket in SQL, never a list of every
    check or item. Costly at scale (the plan's aggregate): the dashboard keeps it per state version."""
    require(principal, Action.CHECKS_READ)
    scope = company_scope(principal)
    p = plan_for(uow, scope, as_of)
    brackets = [(as_of - timedelta(days=high) if high is not None else None, as_of - timedelta(days=low))
                for _, low, high in AGES]
    with uow:
        late = uow.checks.late_checks(brackets, scope)
    return OverdueWork(as_of, p.programme_from, tuple(n for _, n in overdue_by_age(p)), tuple(late),
                       p.designated_items, p.designated_items_overdue)
