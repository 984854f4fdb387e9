"""Tracing a serial number to its delivery, permit, parties and history, as things stood on a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from endwatch.domain.deliveries import Retransfer
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party
from endwatch.domain.permits import Permit, PermitState, StatusChange
from endwatch.domain.products import Product
from endwatch.domain.serials import serial_key
from endwatch.errors import InvalidInput
from endwatch.services.registry.store import ItemDossier
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
    # Held for review: it shares its serial key with another item of its manufacturer and product family
    # (see SerialHold); a trace then lists every such item, picking none.
    held: bool = False


@dataclass(frozen=True)
class TraceResult:
    """The answer to a trace: every matching item (none, one, or one per manufacturer) and notes."""

    serial: str
    serial_norm: str
    as_of: date
    hits: tuple[TraceHit, ...]
    notes: tuple[str, ...] = field(default=())
    # An item carries this serial (narrowed by manufacturer and model) but was delivered after `as_of`.
    delivered_later: bool = False

    @property
    def missed(self) -> bool:
        """No item carries this serial key on any date (narrowed by manufacturer and model): the one case
        where detection's near candidates are worth looking for, since an exact item rules them out."""
        return not self.hits and not self.delivered_later

    @property
    def ambiguous(self) -> bool:
        """True when items held for review share the serial: the trace lists them all and picks none."""
        return any(h.held for h in self.hits)


def _maker_ids(uow: UnitOfWork, text: str | None) -> set[str] | None:
    """Ids of the parties named by `text` through names, aliases and former names; None when blank."""
    if not text or not text.strip():
        return None
    return uow.parties.ids_by_name_key(normalise_name(text))


def _product_ids(uow: UnitOfWork, text: str | None, maker_ids: set[str] | None) -> set[str] | None:
    """Ids of the products whose model or alias is `text`, made by one of `maker_ids`; None when blank."""
    if not text or not text.strip():
        return None
    found = uow.products.makers_by_model_key(normalise_name(text))
    return {pid for pid, maker in found.items() if maker_ids is None or maker in maker_ids}


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
    norm = serial_key(serial)
    if not norm:
        raise InvalidInput("serial has no letter or digit once its label and separators are removed")
    notes: list[str] = []
    maker_ids: set[str] | None
    product_ids: set[str] | None
    with uow:
        if manufacturer and manufacturer.strip() and model and model.strip():
            # Both given (the usual question from a nameplate): both names looked up in one statement.
            maker_ids, makers = uow.deliveries.makers_and_models(normalise_name(manufacturer), normalise_name(model))
            product_ids = {pid for pid, maker in makers.items() if maker in maker_ids}
        else:
            maker_ids = _maker_ids(uow, manufacturer)
            product_ids = None
        if maker_ids is not None and not maker_ids:
            notes.append(f"manufacturer {manufacturer!r} names no known party")
            return TraceResult(serial, norm, as_of, (), tuple(notes))
        if product_ids is None:
            product_ids = _product_ids(uow, model, maker_ids)
        if product_ids is not None and not product_ids:
            notes.append(f"model {model!r} names no known product" + (" of that manufacturer" if maker_ids else ""))
            return TraceResult(serial, norm, as_of, (), tuple(notes))
        # Traces are the registry's hottest question: every item's records come in a few statements.
        dossiers = uow.deliveries.dossiers_by_serial_norm(norm)
    return _result(serial, norm, dossiers, as_of, maker_ids, product_ids, notes)


def trace_serials(uow: UnitOfWork, serials: Sequence[str], *, as_of: date) -> list[tuple[str, TraceResult | None]]:
    """Each of `serials` traced as trace_serial would (no manufacturer or model), in one read of a few
    statements whatever their number; a serial with no letter or digit gives None instead of a result."""
    norms = {serial: serial_key(serial) for serial in serials}
    with uow:
        found = uow.deliveries.dossiers_by_serial_norms(sorted({n for n in norms.values() if n}))
    return [(serial, _result(serial, norms[serial], found.get(norms[serial], []), as_of, None, None, [])
             if norms[serial] else None) for serial in serials]


def _result(serial: str, norm: str, dossiers: list[ItemDossier], as_of: date, maker_ids: set[str] | None,
            product_ids: set[str] | None, notes: list[str]) -> TraceResult:
    """The trace of `serial` from the dossiers of the items with its key, narrowed by maker and product."""
    hits: list[TraceHit] = []
    later = False
    for dossier in dossiers:
        rec = dossier.record
        if maker_ids is not None and rec.manufacturer_id not in maker_ids:
            continue
        if product_ids is not None and rec.product_id not in product_ids:
            continue
        if rec.item.delivered_on > as_of:
            later = True
            notes.append(f"an item with this serial was delivered later, on {rec.item.delivered_on.isoformat()}")
            continue
        hits.append(_hit(dossier, norm, as_of, rec.held))
    held_hits = [h for h in hits if h.held]
    if held_hits:
        listed = "; ".join(f"{h.serial!r} under permit {h.permit.number}, delivered {h.delivered_on.isoformat()}"
                           for h in held_hits)
        notes.append(f"ambiguous: {len(held_hits)} items share this serial key and are held for review"
                     f" (endwatch serials review): {listed}; none is picked")
    if not hits and not notes:
        notes.append("no delivered item has this serial")
    return TraceResult(serial, norm, as_of, tuple(hits), tuple(notes), later)


def _hit(dossier: ItemDossier, norm: str, as_of: date, held: bool) -> TraceHit:
    item, permit, product, parties = dossier.record.item, dossier.permit, dossier.product, dossier.parties
    return TraceHit(
        serial=item.serial,
        delivered_on=item.delivered_on,
        product=product,
        manufacturer=parties[product.manufacturer_id],
        permit=permit,
        permit_state=permit.state_on(as_of),
        exporter=parties[permit.exporter_id],
        consignee=parties[permit.consignee_id],
        end_user=parties[permit.end_user_id],
        recipient=parties[item.recipient_id],
        retransfers=tuple(r for r in dossier.retransfers if r.covers(norm, as_of)),
        history=tuple(h for h in permit.history if h.effective_on <= as_of),
        held=held,
    )
