"""Delivered items (one serial number each) and authorised re-transfers; the delivery rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from endwatch.domain.permits import Permit, PermitState
from endwatch.domain.serials import serial_key
from endwatch.errors import RuleViolation


@dataclass(frozen=True)
class DeliveredItem:
    """One item delivered under a permit, identified by its serial number."""

    permit_number: str
    delivered_on: date
    serial: str
    recipient_id: str


@dataclass(frozen=True)
class Retransfer:
    """Consent to move an item (or, with no serial, every item of a permit) to another party from a date."""

    permit_number: str
    to_party_id: str
    authorized_on: date
    reference: str
    serial: str | None = None

    def covers(self, serial_norm: str, on: date) -> bool:
        """True when this consent applies to that item on that day (serial compared normalised)."""
        in_scope = self.serial is None or serial_key(self.serial) == serial_norm
        return in_scope and self.authorized_on <= on


_WHY = {
    PermitState.NOT_YET_ISSUED: "is not yet issued",
    PermitState.SUSPENDED: "is suspended",
    PermitState.REVOKED: "is revoked",
    PermitState.CANCELLED: "is cancelled",
    PermitState.EXPIRED: "has expired",
}


def check_delivery(permit: Permit, delivered_on: date, already_delivered: int, serials: Sequence[str]) -> None:
    """Raise RuleViolation unless `serials` may be delivered under `permit` on `delivered_on`.

    Rules: `permit-in-force` (the permit allows deliveries that day) and `permit-quantity` (the items
    delivered under a permit never exceed its quantity).
    """
    check_in_force(permit, delivered_on, serials)
    check_quantity(permit, already_delivered, len(serials))


def check_in_force(permit: Permit, delivered_on: date, serials: Sequence[str] = ()) -> None:
    """Rule `permit-in-force`: raise RuleViolation unless the permit allows deliveries on `delivered_on`."""
    state = permit.state_on(delivered_on)
    if state is not PermitState.IN_FORCE:
        raise RuleViolation(
            "permit-in-force",
            f"permit {permit.number} {_WHY[state]} on {delivered_on.isoformat()}; no delivery may be recorded",
            [f"permit {permit.number}", *(f"serial {s}" for s in serials[:5])],
        )


def check_quantity(permit: Permit, already_delivered: int, adding: int) -> None:
    """Rule `permit-quantity`: raise RuleViolation when `adding` more items would exceed the permit's quantity."""
    total = already_delivered + adding
    if total > permit.quantity:
        raise RuleViolation(
            "permit-quantity",
            f"permit {permit.number} allows {permit.quantity} items; {already_delivered} already delivered,"
            f" {adding} more would make {total}",
            [f"permit {permit.number}"],
        )
