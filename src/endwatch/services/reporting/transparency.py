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

from endwatch.domain.products import Product
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


def _reason(permits: set[str], exporters: set[str], rules: SmallCells) -> str | None:
    if not permits:
        return None  # an empty cell says nothing about anyone
    if len(permits) < rules.min_permits:
        return f"suppressed: fewer than {rules.min_permits} permits"
    if len(exporters) < rules.min_exporters:
        return f"suppressed: fewer than {rules.min_exporters} exporters"
    return None


def transparency(uow: UnitOfWork, today: date, rules: SmallCells | None = None) -> Transparency:
    """The published figures as of `today` (inside nothing: opens the unit of work itself).

    A product listed under several entries is counted under each entry's row; the totals count each permit
    and each item once, over the published cells only.
    """
    rules = rules or SmallCells()
    through = completed_through(today)
    Key = tuple[str, str, int]
    issued: dict[Key, set[str]] = defaultdict(set)
    quantity: dict[Key, int] = defaultdict(int)
    items: dict[Key, set[int]] = defaultdict(set)
    delivering: dict[Key, set[str]] = defaultdict(set)
    with uow:
        products = {p.id: p for p in uow.products.list()}
        permits = {p.number: p for p in uow.permits.list()}
        for p in permits.values():
            if p.issued_on > through:
                continue
            for cat in _categories(products.get(p.product_id)):
                key = (p.destination, cat, p.issued_on.year)
                issued[key].add(p.number)
                quantity[key] += p.quantity
        item_year: dict[int, tuple[str, int]] = {}
        for i, rec in enumerate(uow.deliveries.iter_all()):
            permit = permits.get(rec.item.permit_number)
            if permit is None or rec.item.delivered_on > through:
                continue
            item_year[i] = (permit.destination, rec.item.delivered_on.year)
            for cat in _categories(products.get(rec.product_id)):
                key = (permit.destination, cat, rec.item.delivered_on.year)
                items[key].add(i)
                delivering[key].add(permit.number)

    def exporters(numbers: set[str]) -> set[str]:
        return {permits[n].exporter_id for n in numbers}

    rows: list[TransparencyRow] = []
    shown_permits: set[str] = set()
    shown_items: set[int] = set()
    suppressed = 0
    for key in sorted(set(issued) | set(items)):
        d, c, y = key
        p_reason = _reason(issued[key], exporters(issued[key]), rules)
        d_reason = _reason(delivering[key], exporters(delivering[key]), rules)
        suppressed += (p_reason is not None) + (d_reason is not None)
        if p_reason is None:
            shown_permits |= issued[key]
        if d_reason is None:
            shown_items |= items[key]
        rows.append(TransparencyRow(
            d, c, y,
            None if p_reason else len(issued[key]), None if p_reason else quantity[key],
            None if d_reason else len(items[key]), p_reason, d_reason))
    by_year: dict[int, int] = defaultdict(int)
    by_destination: dict[str, int] = defaultdict(int)
    for n in shown_permits:
        by_year[permits[n].issued_on.year] += 1
        by_destination[permits[n].destination] += 1
    delivered_year: dict[int, int] = defaultdict(int)
    delivered_destination: dict[str, int] = defaultdict(int)
    for i in shown_items:
        destination, year = item_year[i]
        delivered_year[year] += 1
        delivered_destination[destination] += 1
    return Transparency(through, rules, rows, dict(by_year), dict(delivered_year), dict(by_destination),
                        dict(delivered_destination), suppressed)


def _categories(product: Product | None) -> tuple[str, ...]:
    if product is None or not product.categories:
        return ("unlisted",)
    return product.categories
