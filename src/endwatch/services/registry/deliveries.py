"""Registry writes on delivered items: deliveries by serial number under a permit, and authorised re-transfers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from endwatch.domain.deliveries import DeliveredItem, Retransfer, check_delivery
from endwatch.domain.serials import serial_key
from endwatch.errors import NotFound, RuleViolation
from endwatch.exchange.schema import SPECS
from endwatch.services.authz import Action, Principal, check_may_act_for
from endwatch.services.gate import write
from endwatch.services.registry.store import ItemRecord
from endwatch.services.text_rules import checked, clean
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker


def record_delivery(
    uow: UnitOfWork,
    principal: Principal,
    permit_number: str,
    delivered_on: date,
    serials: Sequence[str],
    recipient_id: str | None = None,
    reason: str = "",
) -> list[DeliveredItem]:
    """Record items delivered under a permit on a date; the recipient defaults to the consignee.

    Rules: the permit is in force that day; deliveries never exceed the permit's quantity; each serial is
    new for its product family (compared normalised) and appears once in the delivery. An exporter records
    deliveries only under its own company's permits.
    """
    spec, fields = SPECS["deliveries.csv"], Checker()
    permit_number = clean(fields, "permit_number", spec.column("permit_number").rule, permit_number)
    serials = [clean(fields, "serial", spec.column("serial").rule, s) for s in serials]
    if recipient_id:
        recipient_id = clean(fields, "recipient_id", spec.column("recipient_id").rule, recipient_id)
    fields.raise_if_any()  # before anything is read: a NUL in a key cannot even be looked up on PostgreSQL
    with write(uow, principal, Action.DELIVERIES_WRITE) as w:
        permit = uow.permits.get(permit_number)
        if permit is None:
            raise NotFound("permit", permit_number)
        check_may_act_for(principal, permit.exporter_id)
        product = uow.products.get(permit.product_id)
        assert product is not None  # foreign key
        c = Checker()
        if not serials:
            c.fail("serial", "at least one serial number is required")
        recipient = recipient_id or permit.consignee_id
        if uow.parties.get(recipient) is None:
            c.fail("recipient_id", f"unknown party {recipient!r}")
        norms: dict[str, str] = {}
        for s in serials:
            n = serial_key(s)
            if not n:
                c.fail("serial", f"serial {s!r} has no letter or digit once its label and separators are removed")
            elif n in norms:
                c.fail("serial", f"serial {s!r} is the same as {norms[n]!r} in this delivery")
            norms.setdefault(n, s)
        c.raise_if_any()
        delivered = uow.deliveries.count_for_permits([permit_number])[permit_number]
        check_delivery(permit, delivered_on, delivered, list(serials))
        keys = [(product.manufacturer_id, product.serial_family, n) for n in norms]
        clash = uow.deliveries.existing(keys)
        if clash:
            first = next(iter(clash.values()))
            raise RuleViolation(
                "serial-unique",
                f"serial {first.item.serial!r} of product family {product.serial_family!r} was already delivered"
                f" under permit {first.item.permit_number} on {first.item.delivered_on.isoformat()}",
                [f"permit {permit_number}", f"permit {first.item.permit_number}",
                 *(f"serial {r.item.serial}" for r in clash.values())],
            )
        items = [DeliveredItem(permit_number, delivered_on, s, recipient) for s in norms.values()]
        uow.deliveries.add_items(
            ItemRecord(i, product.id, product.manufacturer_id, product.serial_family, serial_key(i.serial))
            for i in items
        )
        w.record(action="delivery.record", entity="permit", key=permit_number,
                 after={"delivered_on": delivered_on, "recipient_id": recipient, "serials": list(norms.values())},
                 reason=reason)
    return items


def authorise_retransfer(uow: UnitOfWork, principal: Principal, retransfer: Retransfer) -> Retransfer:
    """Record consent to re-transfer one item (or every item of a permit) to another party from a date."""
    retransfer = checked(retransfer, SPECS["retransfers.csv"])
    with write(uow, principal, Action.RETRANSFERS_WRITE) as w:
        c = Checker()
        permit = uow.permits.get(retransfer.permit_number)
        if permit is None:
            c.fail("permit_number", f"unknown permit {retransfer.permit_number!r}")
        if uow.parties.get(retransfer.to_party_id) is None:
            c.fail("to_party_id", f"unknown party {retransfer.to_party_id!r}")
        c.require("reference", retransfer.reference, "the authority's reference")
        if permit is not None and retransfer.serial:
            wanted = serial_key(retransfer.serial)
            if not any(r.serial_norm == wanted for r in uow.deliveries.for_permit(permit.number)):
                c.fail("serial", f"serial {retransfer.serial!r} was not delivered under permit {permit.number}")
        c.raise_if_any()
        uow.deliveries.add_retransfer(retransfer)
        w.record(action="retransfer.authorise", entity="permit", key=retransfer.permit_number, after=retransfer,
                 reason=retransfer.reference)
    return retransfer
