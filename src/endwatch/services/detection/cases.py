"""Filing diversion findings in cases: the open case for the same consignee and observed user (or a new one),
the findings added, and the case's new recommended actions computed by the run's workers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from endwatch.domain.cases import ActionKind, recommend_for_diversions
from endwatch.services.audit.trail import Plain, snapshot
from endwatch.services.casefiles.store import CaseRecord
from endwatch.services.detection.parallel import Workers
from endwatch.services.detection.store import Finding
from endwatch.services.detection.world import Shared, World
from endwatch.services.gate import Write
from endwatch.services.uow import UnitOfWork

ActionRow = tuple[str, str, str]  # kind, target, reason


@dataclass(frozen=True)
class CaseTask:
    """What a case's new actions are computed from: the permits diverted, each with the earliest observation
    filed now, the observed user, and the (kind, target) pairs the case already has."""

    diverted: tuple[tuple[str, date], ...]
    user_id: str | None
    existing: tuple[tuple[str, str], ...]


def new_actions(world: World, task: CaseTask) -> list[ActionRow]:
    """The new recommended actions of one case as rows (kind, target, reason)."""
    permits = world.permits()
    diverted = [(permits[number], on) for number, on in task.diverted]
    added = recommend_for_diversions(
        diverted=diverted, categories_of=world.categories, permits=world.related_permits([p for p, _ in diverted]),
        applications=world.pending_applications(), observed_user_id=task.user_id,
        observed_user_country=world.country_of.get(task.user_id) if task.user_id else None,
        parent_of=world.parent_of, country_of=world.country_of,
        existing=[(ActionKind(k), t) for k, t in task.existing])
    # str(kind) is the StrEnum's value, read without Enum's slower .value descriptor (many thousands here).
    return [(str(a.kind), a.target, a.reason) for a in added]


def actions_task(shared: Shared, task: CaseTask) -> list[ActionRow]:
    """One task of a run, wherever it runs: a case's new recommended actions (from the shared registry facts)."""
    return new_actions(shared.world, task)


@dataclass(frozen=True)
class CasePlan:
    """Where a run's diversion findings go, as read before anything is written: per (consignee, observed user),
    the findings, the open case found for them (None: one is opened) and the case's new actions."""

    groups: list[tuple[tuple[str, str | None], list[Finding], CaseRecord | None, list[ActionRow]]]


def plan_cases(uow: UnitOfWork, world: World, diversions: Sequence[Finding], workers: Workers[Shared]) -> CasePlan:
    """Group diversion findings by consignee and observed user, find each group's open case and compute its
    new recommended actions (by `workers`, in task order): only reads.

    Actions are computed for each diverted permit as of the earliest observation of it among the findings
    filed now, and count as new unless the case already has them.
    """
    groups: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in diversions:
        assert f.permit_number is not None
        groups[(world.permits()[f.permit_number].consignee_id, f.observed_user_id)].append(f)
    found_cases = {key: uow.cases.open_case_for(*key) for key in groups}
    tasks = []
    for key, found in groups.items():
        earliest: dict[str, date] = {}
        for f in found:
            assert f.permit_number is not None
            earliest[f.permit_number] = min(earliest.get(f.permit_number, f.observed_on), f.observed_on)
        case = found_cases[key]
        existing = tuple(uow.cases.case_action_keys(case.id)) if case is not None else ()
        tasks.append(CaseTask(tuple(earliest.items()), key[1], existing))
    actions = workers.map(actions_task, tasks)
    return CasePlan([(key, found, found_cases[key], rows)
                     for (key, found), rows in zip(groups.items(), actions, strict=True)])


def file_cases(w: Write, world: World, plan: CasePlan, today: date) -> tuple[list[str], dict[str, str]]:
    """Put diversion findings in cases with their recommended actions, as `plan` says; returns the ids of
    the cases opened and the case each finding joined (by sighting id).

    Findings with the same consignee and observed user go to the open case for them (opened if none).
    One audit entry per case opened, per case's findings added, and per case's actions added.
    """
    uow = w.uow
    opened: list[str] = []
    case_of: dict[str, str] = {}
    for (consignee_id, user_id), found, case, rows in plan.groups:
        if case is None:
            first = world.permits()[found[0].permit_number or ""]
            seen_with = world.label(user_id) if user_id else "an unauthorised user"
            product = world.products.get(first.product_id)
            case = CaseRecord(
                id=uow.cases.next_case_id(),
                title=f"Diversion: {product.model if product else first.product_id} delivered to"
                      f" {world.label(consignee_id)} for {world.label(first.end_user_id)}, seen with {seen_with}",
                status="open", opened_on=today, closed_on=None, consignee_id=consignee_id, observed_user_id=user_id,
                opened_by=w.principal.username,
                summary=f"Opened on the diversion finding for sighting {found[0].sighting_id}.")
            uow.cases.add_case(case)
            # The entry shows the case as detection opens it, without closed_on (as it always has).
            opened_case = snapshot(case)
            del opened_case["closed_on"]
            w.record(action="case.open", entity="case", key=case.id, after=Plain(opened_case),
                     reason=f"diversion finding for sighting {found[0].sighting_id}")
            opened.append(case.id)
        uow.cases.add_case_findings(case.id, [f.sighting_id for f in found])
        case_of.update((f.sighting_id, case.id) for f in found)
        w.record(action="case.add_findings", entity="case", key=case.id,
                 after={"sightings": [f.sighting_id for f in found]},
                 reason="diversion findings for the same consignee and observed user")
        if rows:
            uow.cases.add_case_actions(case.id, rows)
            # Rows, not one object per action: a large run audits hundreds of thousands of actions.
            w.record(action="case.recommend", entity="case", key=case.id,
                     after=Plain({"status": "recommended", "columns": ["kind", "target", "reason"], "actions": rows}),
                     reason="recommended actions for the diversion findings filed")
    return opened, case_of
