"""The public figures as computed before they were read as GROUP BY queries (every permit and item loaded
in Python), kept as the oracle the SQL version must equal figure for figure (tests/integration/
test_transparency_sql.py). Not used by endwatch itself."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from endwatch.domain.products import Product
from endwatch.services.reporting.transparency import SmallCells, Transparency, TransparencyRow, completed_through
from endwatch.services.uow import UnitOfWork


def _reason(permits: set[str], exporters: set[str], rules: SmallCells) -> str | None:
    if not permits:
        return None  # an empty cell says nothing about anyone
    if len(permits) < rules.min_permits:
        return f"suppressed: fewer than {rules.min_permits} permits"
    if len(exporters) < rules.min_exporters:
        return f"suppressed: fewer than {rules.min_exporters} exporters"
    return None


def reference_transparency(uow: UnitOfWork, today: date, rules: SmallCells | None = None) -> Transparency:
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
