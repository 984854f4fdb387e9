"""Delivered items held for review because they share a serial key (migration 0016_serial_key held them)."""

from __future__ import annotations

from endwatch.services.registry.store import SerialHold
from endwatch.services.uow import UnitOfWork


def held_items(uow: UnitOfWork) -> list[SerialHold]:
    """Every item held for review, grouped by manufacturer, product family and serial key (then by id).

    Items in one group were accepted as different serials before the one serial key; they now read as the
    same serial. None was merged or dropped: trace lists them all as ambiguous, and no new delivery can
    join them.
    """
    with uow:
        return uow.deliveries.holds()
