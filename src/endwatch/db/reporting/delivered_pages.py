"""The deliveries list filtered by permit, product, exporter or destination, paged through the kept counts.

Such a filter is a set of permits (or a product), and the list's order is by day: no single index of `deliveries`
serves both, so a page of "items delivered to one destination, newest first" would read items of every destination
until it found 50 of this one (1.3 s at 10,000,000 items). The counts kept per permit, day and product
(db/registry/delivered_counts.py) answer both questions cheaply instead: the exact total is their sum, and walking
their days in the list's order tells the last day the page can reach. The page's query is then bounded to the days
from the cursor's to that one, a short range of either index the planner picks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.registry import tables as t

_dc, _p = t.delivered_counts, t.permits


def _permits_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return _dc.c.permit_number.in_(sa.select(_p.c.number).where(condition))


def _is(column: sa.ColumnElement[Any], v: str | tuple[str, ...]) -> sa.ColumnElement[bool]:
    """A party filter's value: one id, or the ids of the parties a name named (services/reporting/lists.py)."""
    return column == v if isinstance(v, str) else column.in_(v)


# The deliveries list's filters that a count row can answer, as conditions on it. The others (serial, recipient)
# are properties of single items: a page filtered by one of them does not use the counts.
_ON_COUNTS: dict[str, Callable[[Any], sa.ColumnElement[bool]]] = {
    "permit": lambda v: _dc.c.permit_number == v,
    "product": lambda v: _dc.c.product_id == v,
    "exporter": lambda v: _permits_where(_is(_p.c.exporter_id, v)),
    "destination": lambda v: _permits_where(_p.c.destination == v),
    "delivered_from": lambda v: _dc.c.delivered_on >= v,
    "delivered_to": lambda v: _dc.c.delivered_on <= v,
}
# Filters that make a set of permits or a product: without one, the day index alone serves the page.
_SELECTIVE = {"permit", "product", "exporter", "destination"}


def conditions(filters: Mapping[str, Any], exporter: str | None) -> list[sa.ColumnElement[bool]] | None:
    """The list's filters (and an exporter's scope) as conditions on the counts, or None when the counts cannot
    answer them all, or when nothing selects permits or a product (then the plain day order is fastest)."""
    if any(name not in _ON_COUNTS for name in filters):
        return None
    if exporter is None and not _SELECTIVE & set(filters):
        return None
    found = [_ON_COUNTS[name](value) for name, value in filters.items()]
    if exporter is not None:
        found.append(_ON_COUNTS["exporter"](exporter))
    return found


def total(conn: sa.Connection, where: list[sa.ColumnElement[bool]]) -> int:
    """How many items the filters match, exactly: the sum of their counts."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(_dc.c.delivered), 0)).where(*where)).scalar_one())


def last_day(conn: sa.Connection, where: list[sa.ColumnElement[bool]], start: date | None, descending: bool,
             need: int) -> date | None:
    """The day by which a page that starts on day `start` (None: the first page) is sure to have met `need` items,
    walking the days in the list's order; the last day with any items if there are fewer; None if none.

    The start day's own items are not counted: some of them come before the cursor, on earlier pages."""
    day = _dc.c.delivered_on
    q = sa.select(day, sa.func.sum(_dc.c.delivered)).where(*where)
    if start is not None:
        q = q.where(day <= start if descending else day >= start)
    q = q.group_by(day).order_by(day.desc() if descending else day.asc())
    found, last = 0, None
    for on, items in conn.execute(q):
        last = on
        if on != start:
            found += int(items)
        if found >= need:
            break
    return last
