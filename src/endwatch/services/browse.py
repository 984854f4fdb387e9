"""Read-only views the web application and the API show: records by key, lists, the dashboard and the
public transparency aggregates. Record-level visibility is applied by the caller through services.authz."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from endwatch.domain.audit import AuditEntry
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, Permit
from endwatch.domain.products import Product
from endwatch.errors import NotFound
from endwatch.services.casefiles.store import Inquiry
from endwatch.services.registry.store import ItemRecord
from endwatch.services.uow import UnitOfWork


def get_party(uow: UnitOfWork, party_id: str) -> Party:
    """One party; NotFound when unknown."""
    with uow:
        party = uow.parties.get(party_id)
    if party is None:
        raise NotFound("party", party_id)
    return party


def list_products(uow: UnitOfWork) -> list[Product]:
    """Every product, by id."""
    with uow:
        return uow.products.list()


def get_product(uow: UnitOfWork, product_id: str) -> Product:
    """One product; NotFound when unknown."""
    with uow:
        product = uow.products.get(product_id)
    if product is None:
        raise NotFound("product", product_id)
    return product


def list_applications(uow: UnitOfWork) -> list[Application]:
    """Every application, oldest first."""
    with uow:
        return uow.applications.list()


def get_application(uow: UnitOfWork, number: str) -> Application:
    """One application; NotFound when unknown."""
    with uow:
        application = uow.applications.get(number)
    if application is None:
        raise NotFound("application", number)
    return application


def list_deliveries(uow: UnitOfWork, permit_number: str | None = None) -> list[ItemRecord]:
    """Delivered items, all or under one permit, in delivery order."""
    with uow:
        items = uow.deliveries.for_permit(permit_number) if permit_number else list(uow.deliveries.iter_all())
    return sorted(items, key=lambda r: (r.item.delivered_on, r.item.permit_number, r.item.serial))


def permits_of_party(uow: UnitOfWork, party_id: str) -> list[Permit]:
    """Permits naming the party as exporter, consignee or end user."""
    with uow:
        return [p for p in uow.permits.list() if party_id in (p.exporter_id, p.consignee_id, p.end_user_id)]


@dataclass(frozen=True)
class AuditPage:
    """A slice of the audit trail, newest first, with the total count."""

    entries: tuple[AuditEntry, ...]
    total: int


def audit_page(
    uow_factory: Callable[[], UnitOfWork], offset: int, limit: int, entity: str | None = None
) -> AuditPage:
    """Audit entries newest first, optionally about one kind of entity."""
    with uow_factory() as uow:
        entries = [e for e in uow.audit.entries() if entity is None or e.entity == entity]
    entries.reverse()
    return AuditPage(tuple(entries[offset : offset + limit]), len(entries))


@dataclass(frozen=True)
class Dashboard:
    """What needs attention on a day: pending applications and permits expiring soon."""

    as_of: date
    pending: tuple[Application, ...]
    expiring: tuple[Permit, ...]


def dashboard(uow: UnitOfWork, as_of: date, horizon_days: int = 90) -> Dashboard:
    """Pending applications and permits in force on `as_of` that expire within `horizon_days`."""
    with uow:
        pending = tuple(a for a in uow.applications.list() if a.status.pending)
        limit = as_of + timedelta(days=horizon_days)
        expiring = tuple(p for p in uow.permits.list() if p.in_force_on(as_of) and p.expires_on <= limit)
    return Dashboard(as_of, pending, expiring)


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


def state_version(uow: UnitOfWork) -> int:
    """A number that changes whenever the stored records change: the audit chain's head, since every
    write is recorded in the audit trail in the same transaction. 0 for an empty registry."""
    with uow:
        head = uow.audit.head()
    return head[0] if head else 0


def next_application_number(uow: UnitOfWork, on: date) -> str:
    """A fresh application number of the form APP-YYYYMMDD-N for one received on `on`."""
    with uow:
        n = 1
        while uow.applications.get(f"APP-{on.strftime('%Y%m%d')}-{n}") is not None:
            n += 1
    return f"APP-{on.strftime('%Y%m%d')}-{n}"


def inquiries(uow: UnitOfWork, to_party: str | None = None) -> list[Inquiry]:
    """Inquiries on every case (only those addressed to `to_party` when given), newest first."""
    with uow:
        found = [q for c in uow.cases.cases() for q in uow.cases.inquiries(c.id)
                 if to_party is None or q.to_party == to_party]
    return sorted(found, key=lambda q: (q.asked_on, q.id or 0), reverse=True)


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
