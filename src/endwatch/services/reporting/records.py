"""Read-only views of records the web application and the API show: records by key, lists, a page of the
audit trail, inquiries. Record-level visibility is applied by the caller through services.authz."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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


def permit_exporter(uow: UnitOfWork, number: str) -> str:
    """The exporter of one permit; NotFound when unknown (one indexed read)."""
    with uow:
        exporter = uow.permits.exporter_of(number)
    if exporter is None:
        raise NotFound("permit", number)
    return exporter


def permits_of_party(uow: UnitOfWork, party_id: str) -> list[Permit]:
    """Permits naming the party as exporter, consignee or end user."""
    with uow:
        return [p for p in uow.permits.list() if party_id in (p.exporter_id, p.consignee_id, p.end_user_id)]


@dataclass(frozen=True)
class Photo:
    """A photo that came with a sighting: its digest in the evidence store and its original name."""

    sha256: str
    filename: str


def sighting_photos(uow_factory: Callable[[], UnitOfWork], sighting_id: str, case_id: str | None) -> list[Photo]:
    """The photos recorded with a sighting: attached to its case, or (with no case) named by the sighting's
    own audit entry `sighting.photo`."""
    described = f"photo from sighting {sighting_id}"
    found: dict[str, Photo] = {}
    with uow_factory() as uow:
        if case_id:
            for e in uow.cases.evidence(case_id):
                if e.description == described:
                    found.setdefault(e.sha256, Photo(e.sha256, e.filename))
        for entry in uow.audit.for_entity("sighting", sighting_id):
            after = entry.after
            if entry.action == "sighting.photo" and isinstance(after, dict) and isinstance(after.get("sha256"), str):
                found.setdefault(after["sha256"], Photo(after["sha256"], str(after.get("filename") or "")))
    return list(found.values())


def inquiry_for(uow: UnitOfWork, inquiry_id: int, to_party: str | None) -> Inquiry:
    """One inquiry (only if addressed to `to_party` when given); NotFound otherwise, as if it did not exist."""
    with uow:
        found = uow.cases.inquiry(inquiry_id)
    if found is None or (to_party is not None and found.to_party != to_party):
        raise NotFound("inquiry", str(inquiry_id))
    return found


def inquiries(uow: UnitOfWork, to_party: str | None = None) -> list[Inquiry]:
    """Inquiries on every case (only those addressed to `to_party` when given), newest first."""
    with uow:
        found = [q for c in uow.cases.cases() for q in uow.cases.inquiries(c.id)
                 if to_party is None or q.to_party == to_party]
    return sorted(found, key=lambda q: (q.asked_on, q.id or 0), reverse=True)
