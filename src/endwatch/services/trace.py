"""Tracing a serial number to its delivery, permit, parties and history, as things stood on a date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from endwatch.domain.deliveries import Retransfer
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party
from endwatch.domain.permits import Permit, PermitState, StatusChange
from endwatch.domain.products import Product
from endwatch.domain.serials import normalise_serial
from endwatch.errors import InvalidInput
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class TraceHit:
    """One delivered item matching the serial, with everything the registry knows about it."""

    serial: str
    delivered_on: date
    product: Product
    manufacturer: Party
    permit: Permit
    permit_state: PermitState
    exporter: Party
    consignee: Party
    end_user: Party
    recipient: Party
    retransfers: tuple[Retransfer, ...]
    history: tuple[StatusChange, ...]


@dataclass(frozen=True)
class TraceResult:
    """The answer to a trace: every matching item (none, one, or one per manufacturer) and notes."""

    serial: str
    serial_norm: str
    as_of: date
    hits: tuple[TraceHit, ...]
    notes: tuple[str, ...] = field(default=())


def resolve_parties(uow: UnitOfWork, text: str | None) -> list[Party] | None:
    """Parties named by `text` through names, aliases and former names; None when `text` is blank."""
    if not text or not text.strip():
        return None
    return uow.parties.find_by_name_key(normalise_name(text))


def resolve_products(uow: UnitOfWork, text: str | None, manufacturer_ids: list[str] | None) -> list[Product] | None:
    """Products whose model or alias is `text`, limited to the manufacturers given; None when blank."""
    if not text or not text.strip():
        return None
    return uow.products.find_by_model_key(normalise_name(text), manufacturer_ids)


def trace_serial(
    uow: UnitOfWork,
    serial: str,
    *,
    manufacturer: str | None = None,
    model: str | None = None,
    as_of: date,
) -> TraceResult:
    """Find the delivered item with this serial (exact after normalisation) as the registry stood on `as_of`.

    Manufacturer and model narrow the search through names and aliases; a manufacturer or model text
    that names nothing known matches nothing, since serials belong to their maker.
    """
    norm = normalise_serial(serial)
    if not norm:
        raise InvalidInput("serial is blank once spaces and hyphens are removed")
    notes: list[str] = []
    with uow:
        makers = resolve_parties(uow, manufacturer)
        if makers is not None and not makers:
            notes.append(f"manufacturer {manufacturer!r} names no known party")
            return TraceResult(serial, norm, as_of, (), tuple(notes))
        maker_ids = [m.id for m in makers] if makers is not None else None
        products = resolve_products(uow, model, maker_ids)
        if products is not None and not products:
            notes.append(f"model {model!r} names no known product" + (" of that manufacturer" if makers else ""))
            return TraceResult(serial, norm, as_of, (), tuple(notes))
        product_ids = {p.id for p in products} if products is not None else None
        known_products = {p.id: p for p in products or ()}
        hits: list[TraceHit] = []
        for rec in uow.deliveries.find_by_serial_norm(norm):
            if maker_ids is not None and rec.manufacturer_id not in maker_ids:
                continue
            if product_ids is not None and rec.product_id not in product_ids:
                continue
            if rec.item.delivered_on > as_of:
                notes.append(f"an item with this serial was delivered later, on {rec.item.delivered_on.isoformat()}")
                continue
            hits.append(_hit(uow, rec.item.serial, rec.item.delivered_on, rec.item.permit_number,
                             rec.item.recipient_id, rec.product_id, norm, as_of, known_products))
    if not hits and not notes:
        notes.append("no delivered item has this serial")
    return TraceResult(serial, norm, as_of, tuple(hits), tuple(notes))


def _hit(
    uow: UnitOfWork, serial: str, delivered_on: date, permit_number: str, recipient_id: str,
    product_id: str, norm: str, as_of: date, known_products: dict[str, Product],
) -> TraceHit:
    permit = uow.permits.get(permit_number)
    product = known_products.get(product_id) or uow.products.get(product_id)
    assert permit is not None and product is not None  # foreign keys
    # Every party of the item in one round trip: traces are the registry's hottest question.
    parties = uow.parties.get_many({product.manufacturer_id, permit.exporter_id, permit.consignee_id,
                                    permit.end_user_id, recipient_id})

    def party(pid: str) -> Party:
        return parties[pid]  # foreign keys guarantee it

    retransfers = tuple(
        r for r in uow.deliveries.retransfers_for(permit_number) if r.covers(norm, as_of)
    )
    return TraceHit(
        serial=serial,
        delivered_on=delivered_on,
        product=product,
        manufacturer=party(product.manufacturer_id),
        permit=permit,
        permit_state=permit.state_on(as_of),
        exporter=party(permit.exporter_id),
        consignee=party(permit.consignee_id),
        end_user=party(permit.end_user_id),
        recipient=party(recipient_id),
        retransfers=retransfers,
        history=tuple(h for h in permit.history if h.effective_on <= as_of),
    )
