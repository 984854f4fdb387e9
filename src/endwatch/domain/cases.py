"""What a diversion finding calls for: the recommended actions of a case, each with its reason.

Standard library only; the day the actions are computed for is passed in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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
    return recommend_for_diversions(
        diverted=[(diverted, on)], categories_of=categories_of, permits=permits, applications=applications,
        observed_user_id=observed_user_id, observed_user_country=observed_user_country, parent_of=parent_of,
        country_of=country_of)


def recommend_for_diversions(
    *,
    diverted: Iterable[tuple[Permit, date]],
    categories_of: Mapping[str, tuple[str, ...]],
    permits: Iterable[Permit],
    applications: Iterable[Application],
    observed_user_id: str | None,
    observed_user_country: str | None,
    parent_of: Mapping[str, str | None],
    country_of: Mapping[str, str | None],
    existing: Iterable[tuple[ActionKind, str]] = (),
) -> list[RecommendedAction]:
    """The actions that diversions under several permits call for, each (kind, target) once.

    `diverted` pairs each permit with the day its diversion is judged on (the earliest observation).
    The answer is exactly what `recommend_actions` gives for each pair, taken in permit-number order,
    with repeats and the `existing` (kind, target) pairs left out: an action keeps the reason of the
    first diverted permit that calls for it. It is computed without trying every permit against
    every diverted permit, which matters when a case gathers thousands of findings.
    """
    order = sorted({p.number: (p, on) for p, on in diverted}.values(), key=lambda x: x[0].number)
    seen = set(existing)
    found: list[tuple[tuple[int, int, str], RecommendedAction]] = []

    def add(rank: int, kind: ActionKind, target: str, reason: str) -> None:
        found.append(((rank, _KIND_ORDER[kind], target), RecommendedAction(kind, target, reason)))

    routes = _Routes(order, categories_of)
    for p in {p.number: p for p in permits}.values():
        if (ActionKind.SUSPEND_PERMIT, p.number) in seen:
            continue
        hit = routes.first_calling_for(p)
        if hit is None:
            continue
        rank, by_consignee = hit
        d, on = order[rank]
        if by_consignee:
            why = f"in force on {on.isoformat()} with the same consignee {d.consignee_id}"
        else:
            shared = sorted(set(categories_of.get(d.product_id, ())) & set(categories_of.get(p.product_id, ())))
            why = (f"in force on {on.isoformat()} for the same destination {d.destination}"
                   f" and control-list entry {', '.join(shared)}")
        add(rank, ActionKind.SUSPEND_PERMIT, p.number,
            f"Permit {p.number} is {why} as permit {d.number}, under which the item was diverted.")
    pending = [a for a in applications if a.status.pending and (ActionKind.HOLD_APPLICATION, a.number) not in seen]
    first_with_consignee: dict[str, int] = {}
    for rank, (d, _) in enumerate(order):
        first_with_consignee.setdefault(d.consignee_id, rank)
    for a in {a.number: a for a in pending}.values():
        # Only the consignee ground depends on the diverted permit: the first one with the application's
        # consignee gives the reason if it comes before every other permit (all of which give the rest).
        rank_c = first_with_consignee.get(a.consignee_id)
        others: list[str] = []
        if observed_user_id and is_within(a.end_user_id, observed_user_id, parent_of):
            others.append(f"its end user {a.end_user_id} is the observed user {observed_user_id} or part of it")
        elif observed_user_country and country_of.get(a.end_user_id) == observed_user_country:
            others.append(f"its end user {a.end_user_id} is in {observed_user_country}, the observed user's country")
        if rank_c is None and not others:
            continue
        rank = 0 if others or rank_c is None else rank_c
        grounds = ([f"it names the same consignee {a.consignee_id}"] if rank_c == rank else []) + others
        add(rank, ActionKind.HOLD_APPLICATION, a.number, f"Application {a.number} is pending and {'; '.join(grounds)}.")
    notified: set[str] = set()
    for rank, (d, _) in enumerate(order):
        if d.exporter_id in notified or (ActionKind.NOTIFY_EXPORTER, d.exporter_id) in seen:
            continue
        notified.add(d.exporter_id)
        add(rank, ActionKind.NOTIFY_EXPORTER, d.exporter_id,
            f"Notify the exporter {d.exporter_id} that an item it delivered under permit {d.number}"
            f" was found with an unauthorised user, and ask it to confirm the item.")
    return [action for _, action in sorted(found, key=lambda x: x[0])]


_KIND_ORDER = {ActionKind.SUSPEND_PERMIT: 0, ActionKind.HOLD_APPLICATION: 1, ActionKind.NOTIFY_EXPORTER: 2}


class _Routes:
    """The diverted permits (ranked in number order) indexed by consignee and by destination and
    control-list entry, each index sorted by the day the diversion is judged on, so that the first
    diverted permit calling for the suspension of another is found by searching dates, not by trying
    every diverted permit."""

    def __init__(self, order: list[tuple[Permit, date]], categories_of: Mapping[str, tuple[str, ...]]) -> None:
        by_consignee: dict[str, list[tuple[date, int]]] = {}
        by_entry: dict[tuple[str, str], list[tuple[date, int]]] = {}
        for rank, (d, on) in enumerate(order):
            by_consignee.setdefault(d.consignee_id, []).append((on, rank))
            for entry in set(categories_of.get(d.product_id, ())):
                by_entry.setdefault((d.destination, entry), []).append((on, rank))
        self.order = order
        self.entries_of = {pid: frozenset(entries) for pid, entries in categories_of.items()}
        self.by_consignee = {k: _DatedRanks(v) for k, v in by_consignee.items()}
        self.by_entry = {k: _DatedRanks(v) for k, v in by_entry.items()}

    def first_calling_for(self, p: Permit) -> tuple[int, bool] | None:
        """(rank of the first diverted permit calling for suspending `p`, whether by the same consignee)."""
        best: tuple[int, bool] | None = None
        index = self.by_consignee.get(p.consignee_id)
        if index is not None:
            rank = index.first_rank(p, self.order)
            if rank is not None:
                best = (rank, True)
        for entry in self.entries_of.get(p.product_id, ()):
            index = self.by_entry.get((p.destination, entry))
            rank = index.first_rank(p, self.order) if index is not None else None
            # Same rank: the consignee ground is named first, as `recommend_actions` does for one permit.
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, False)
        return best


class _DatedRanks:
    """Diverted permits' ranks sorted by the day each is judged on, with a sparse table of range minima
    (`_min[k][i]` is the lowest rank among positions i to i + 2**k - 1), so that the lowest rank judged
    within any range of days costs two bisections and two look-ups."""

    def __init__(self, items: list[tuple[date, int]]) -> None:
        items.sort()
        self.days = [on for on, _ in items]
        self.ranks = [rank for _, rank in items]
        self._min = [self.ranks]
        width = 1
        while 2 * width <= len(self.ranks):
            below = self._min[-1]
            self._min.append([min(below[i], below[i + width]) for i in range(len(below) - width)])
            width *= 2

    def first_rank(self, p: Permit, order: list[tuple[Permit, date]]) -> int | None:
        """The lowest rank whose day `p` is in force on."""
        window = p.simple_validity
        if window is not None:  # in force on a range of days: those are found by bisection
            lo, hi = bisect_left(self.days, window[0]), bisect_right(self.days, window[1])
            if lo >= hi:
                return None
            level = (hi - lo).bit_length() - 1
            row = self._min[level]
            return min(row[lo], row[hi - (1 << level)])
        return min((r for r in self.ranks if p.in_force_on(order[r][1])), default=None)
