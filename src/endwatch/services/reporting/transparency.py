"""The public transparency figures: permits and delivered items counted by destination, control-list entry
and year. Only counts leave this module: no party, permit number, serial or value.

Small cells are protected (docs/transparency.md):

- **Completed quarters only.** A figure counts permits issued and items delivered up to the end of the last
  completed calendar quarter (`published_through`), never live, so polling does not date single events.
- **Primary suppression.** In each row the permits side (permits issued, quantity permitted) and the
  deliveries side (items delivered) are each a cell; a cell whose count comes from fewer than
  `min_permits` permits, or from fewer than `min_exporters` exporters, is suppressed: its value is None
  and it says why ("fewer than 3 permits"). A cell counting nothing (0) is published.
- **No total reveals a suppressed cell.** Totals (by year, by destination) are taken over the published
  cells only: the permits and items they count are those of published cells (each once). A permit or item
  counted only in suppressed cells is in no total, so no total, and no difference between totals and
  cells, can give a suppressed value back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from endwatch.services.uow import UnitOfWork

DEFAULT_MIN_PERMITS = 3
DEFAULT_MIN_EXPORTERS = 3


@dataclass(frozen=True)
class SmallCells:
    """The thresholds below which a cell is suppressed (set by the authority: ENDWATCH_MIN_CELL_*)."""

    min_permits: int = DEFAULT_MIN_PERMITS
    min_exporters: int = DEFAULT_MIN_EXPORTERS


@dataclass(frozen=True)
class TransparencyRow:
    """One row: permits issued and items delivered to a destination, under an entry, in a year.

    A suppressed side has None for its figures and the reason in `*_suppressed`.
    """

    destination: str
    category: str
    year: int
    permits: int | None
    permitted_quantity: int | None
    delivered_items: int | None
    permits_suppressed: str | None = None
    delivered_suppressed: str | None = None


@dataclass(frozen=True)
class Transparency:
    """Every published figure, as of the end of the last completed quarter."""

    published_through: date
    rules: SmallCells
    rows: list[TransparencyRow]
    permits_by_year: dict[int, int]
    delivered_by_year: dict[int, int]
    permits_by_destination: dict[str, int]
    delivered_by_destination: dict[str, int]
    suppressed_cells: int


def completed_through(today: date) -> date:
    """The last day of the last calendar quarter that has ended before `today`."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return quarter_start - timedelta(days=1)


def _reason(permits: int, exporters: int, rules: SmallCells) -> str | None:
    if not permits:
        return None  # an empty cell says nothing about anyone
    if permits < rules.min_permits:
        return f"suppressed: fewer than {rules.min_permits} permits"
    if exporters < rules.min_exporters:
        return f"suppressed: fewer than {rules.min_exporters} exporters"
    return None


Key = tuple[str, str, int]


def transparency(uow: UnitOfWork, today: date, rules: SmallCells | None = None) -> Transparency:
    """The published figures as of `today` (inside nothing: opens the unit of work itself).

    A product listed under several entries is counted under each entry's row; the totals count each permit
    and each item once, over the published cells only.

    Read as two GROUP BY queries (permits by destination, year, product and exporter; delivered items by
    destination, year, product and permit), so the cost follows the number of permits, not of items: no
    permit or item is loaded. Each permit is in one permit group and each item in one delivery group, which
    is what lets the cells (distinct permits and exporters) and the totals (each permit and item once) be
    computed exactly from the groups.
    """
    rules = rules or SmallCells()
    through = completed_through(today)
    issued: dict[Key, int] = defaultdict(int)
    quantity: dict[Key, int] = defaultdict(int)
    issuers: dict[Key, set[str]] = defaultdict(set)
    items: dict[Key, int] = defaultdict(int)
    delivering: dict[Key, set[str]] = defaultdict(set)
    deliverers: dict[Key, set[str]] = defaultdict(set)
    with uow:
        permit_groups = uow.lists.permit_groups(through)
        delivery_groups = uow.lists.delivery_groups(through)
        categories = uow.lists.categories_of({g[2] for g in permit_groups} | {g[2] for g in delivery_groups})

    def entries(product_id: str) -> tuple[str, ...]:
        return categories.get(product_id) or ("unlisted",)

    for destination, year, product_id, exporter, n, permitted in permit_groups:
        for cat in entries(product_id):
            key = (destination, cat, year)
            issued[key] += n
            quantity[key] += permitted
            issuers[key].add(exporter)
    for destination, year, product_id, number, exporter, n in delivery_groups:
        for cat in entries(product_id):
            key = (destination, cat, year)
            items[key] += n
            delivering[key].add(number)
            deliverers[key].add(exporter)

    rows: list[TransparencyRow] = []
    published_permits: set[Key] = set()
    published_items: set[Key] = set()
    suppressed = 0
    for key in sorted(set(issued) | set(items)):
        d, c, y = key
        p_reason = _reason(issued[key], len(issuers[key]), rules)
        d_reason = _reason(len(delivering[key]), len(deliverers[key]), rules)
        suppressed += (p_reason is not None) + (d_reason is not None)
        if p_reason is None and issued[key]:
            published_permits.add(key)
        if d_reason is None and items[key]:
            published_items.add(key)
        rows.append(TransparencyRow(
            d, c, y,
            None if p_reason else issued[key], None if p_reason else quantity[key],
            None if d_reason else items[key], p_reason, d_reason))
    # Totals: a group's permits (or items) count once when any of its entries' cells is published.
    by_year: dict[int, int] = defaultdict(int)
    by_destination: dict[str, int] = defaultdict(int)
    for destination, year, product_id, _exporter, n, _permitted in permit_groups:
        if any((destination, cat, year) in published_permits for cat in entries(product_id)):
            by_year[year] += n
            by_destination[destination] += n
    delivered_year: dict[int, int] = defaultdict(int)
    delivered_destination: dict[str, int] = defaultdict(int)
    for destination, year, product_id, _number, _exporter, n in delivery_groups:
        if any((destination, cat, year) in published_items for cat in entries(product_id)):
            delivered_year[year] += n
            delivered_destination[destination] += n
    return Transparency(through, rules, rows, dict(by_year), dict(delivered_year), dict(by_destination),
                        dict(delivered_destination), suppressed)
