"""What a diversion finding calls for: the recommended actions of a case, each with its reason.

Standard library only; the day the actions are computed for is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from endwatch.domain.parties import is_within
from endwatch.domain.permits import Application, Permit


class ActionKind(StrEnum):
    """The kinds of action a case recommends."""

    SUSPEND_PERMIT = "suspend_permit"
    HOLD_APPLICATION = "hold_application"
    NOTIFY_EXPORTER = "notify_exporter"


@dataclass(frozen=True)
class RecommendedAction:
    """One action a case recommends: its kind, its target (permit, application or party id), why."""

    kind: ActionKind
    target: str
    reason: str


def recommend_actions(
    *,
    diverted: Permit,
    categories_of: Mapping[str, tuple[str, ...]],
    permits: Iterable[Permit],
    applications: Iterable[Application],
    observed_user_id: str | None,
    observed_user_country: str | None,
    parent_of: Mapping[str, str | None],
    country_of: Mapping[str, str | None],
    on: date,
) -> list[RecommendedAction]:
    """The actions a diversion of an item delivered under `diverted` calls for, as of `on`.

    - suspend every permit in force on `on` with the same consignee (any goods: the route itself
      is compromised), or with the same destination for a control-list entry the diverted goods share;
    - hold every pending application with the same consignee, or whose end user is the observed user
      (or one of its sub-units), or is in the observed user's country;
    - notify the exporter.
    `categories_of` maps product ids to control-list entries; `country_of` maps party ids to countries.
    """
    actions: list[RecommendedAction] = []
    entries = set(categories_of.get(diverted.product_id, ()))
    for p in sorted(permits, key=lambda p: p.number):
        if not p.in_force_on(on):
            continue
        shared = sorted(entries & set(categories_of.get(p.product_id, ())))
        if p.consignee_id == diverted.consignee_id:
            why = f"in force on {on.isoformat()} with the same consignee {diverted.consignee_id}"
        elif p.destination == diverted.destination and shared:
            why = (f"in force on {on.isoformat()} for the same destination {diverted.destination}"
                   f" and control-list entry {', '.join(shared)}")
        else:
            continue
        actions.append(RecommendedAction(
            ActionKind.SUSPEND_PERMIT, p.number,
            f"Permit {p.number} is {why} as permit {diverted.number}, under which the item was diverted."))
    for a in sorted(applications, key=lambda a: a.number):
        if not a.status.pending:
            continue
        grounds: list[str] = []
        if a.consignee_id == diverted.consignee_id:
            grounds.append(f"it names the same consignee {a.consignee_id}")
        if observed_user_id and is_within(a.end_user_id, observed_user_id, parent_of):
            grounds.append(f"its end user {a.end_user_id} is the observed user {observed_user_id} or part of it")
        elif observed_user_country and country_of.get(a.end_user_id) == observed_user_country:
            grounds.append(f"its end user {a.end_user_id} is in {observed_user_country}, the observed user's country")
        if grounds:
            actions.append(RecommendedAction(
                ActionKind.HOLD_APPLICATION, a.number,
                f"Application {a.number} is pending and {'; '.join(grounds)}."))
    actions.append(RecommendedAction(
        ActionKind.NOTIFY_EXPORTER, diverted.exporter_id,
        f"Notify the exporter {diverted.exporter_id} that an item it delivered under permit {diverted.number}"
        f" was found with an unauthorised user, and ask it to confirm the item."))
    return actions


def merge_actions(
    existing: Iterable[tuple[ActionKind, str]], new: Iterable[RecommendedAction]
) -> list[RecommendedAction]:
    """The actions in `new` whose (kind, target) is not already in `existing`, each once."""
    seen = set(existing)
    out: list[RecommendedAction] = []
    for action in new:
        key = (action.kind, action.target)
        if key not in seen:
            seen.add(key)
            out.append(action)
    return out
