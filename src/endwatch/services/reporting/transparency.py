"""The public transparency figures: permits and delivered items counted by destination, control-list entry
and year. Only counts leave this module: no party, permit number, serial or value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from endwatch.domain.products import Product
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class TransparencyRow:
    """One aggregate cell: permits issued and items delivered to a destination, under an entry, in a year."""

    destination: str
    category: str
    year: int
    permits: int
    permitted_quantity: int
    delivered_items: int


def transparency(uow: UnitOfWork) -> list[TransparencyRow]:
    """Permits (by issue year) and delivered items (by delivery year), by destination and control-list entry.

    Only counts leave this function: no party, permit number, serial or value. A product listed under
    several entries is counted under each.
    """
    permits: Counter[tuple[str, str, int]] = Counter()
    quantity: Counter[tuple[str, str, int]] = Counter()
    delivered: Counter[tuple[str, str, int]] = Counter()
    with uow:
        products = {p.id: p for p in uow.products.list()}
        all_permits = {p.number: p for p in uow.permits.list()}
        for p in all_permits.values():
            for cat in _categories(products.get(p.product_id)):
                key = (p.destination, cat, p.issued_on.year)
                permits[key] += 1
                quantity[key] += p.quantity
        for rec in uow.deliveries.iter_all():
            permit = all_permits.get(rec.item.permit_number)
            if permit is None:
                continue
            for cat in _categories(products.get(rec.product_id)):
                delivered[(permit.destination, cat, rec.item.delivered_on.year)] += 1
    keys = sorted(set(permits) | set(delivered))
    return [TransparencyRow(d, c, y, permits[(d, c, y)], quantity[(d, c, y)], delivered[(d, c, y)])
            for d, c, y in keys]


def _categories(product: Product | None) -> tuple[str, ...]:
    if product is None or not product.categories:
        return ("unlisted",)
    return product.categories


@dataclass(frozen=True)
class TransparencyTotals:
    """Each permit and each delivered item counted once: by year, and permits by destination."""

    permits_by_year: dict[int, int]
    delivered_by_year: dict[int, int]
    permits_by_destination: dict[str, int]
    delivered_by_destination: dict[str, int]


def transparency_totals(uow: UnitOfWork) -> TransparencyTotals:
    """Totals for the public charts (the per-entry rows count a permit once per control-list entry)."""
    with uow:
        permits = uow.permits.list()
        items = list(uow.deliveries.iter_all())
    destination = {p.number: p.destination for p in permits}
    return TransparencyTotals(
        dict(Counter(p.issued_on.year for p in permits)),
        dict(Counter(r.item.delivered_on.year for r in items)),
        dict(Counter(p.destination for p in permits)),
        dict(Counter(destination[r.item.permit_number] for r in items if r.item.permit_number in destination)),
    )
