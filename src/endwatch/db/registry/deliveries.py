"""The delivered items' repository over SQLAlchemy Core: items by serial, by permit, in bulk; re-transfers."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.bulk import CHUNK, bulk_insert, chunks
from endwatch.db.detection import tables as detection_tables  # noqa: F401  (adds deliveries.serial_fold)
from endwatch.db.registry import tables as t
from endwatch.domain.audit_rows import RowDigester, row_key
from endwatch.domain.deliveries import DeliveredItem, Retransfer
from endwatch.domain.matching import serial_fold
from endwatch.domain.serials import serial_key
from endwatch.services.registry.store import ItemDossier, ItemRecord, PreparedItems, SerialHold

_ITEM_COLUMNS = ("permit_number", "product_id", "manufacturer_id", "family", "serial", "serial_norm", "serial_fold",
                 "delivered_on", "recipient_id")


def _item(r: sa.Row[Any]) -> ItemRecord:
    return ItemRecord(
        DeliveredItem(r.permit_number, r.delivered_on, r.serial, r.recipient_id),
        r.product_id,
        r.manufacturer_id,
        r.family,
        r.serial_norm,
        bool(r.serial_held),
    )


class SqlDeliveryRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def count_for_permits(self, numbers: Collection[str], as_of: date | None = None) -> dict[str, int]:
        # From the counts kept per permit and day (delivered_counts.py): a permit of 100,000 items is a few rows.
        dc = t.delivered_counts
        counts = dict.fromkeys(numbers, 0)
        for chunk in chunks(sorted(numbers)):
            q = sa.select(dc.c.permit_number, sa.func.sum(dc.c.delivered)).where(dc.c.permit_number.in_(chunk))
            if as_of is not None:
                q = q.where(dc.c.delivered_on <= as_of)
            for number, n in self.conn.execute(q.group_by(dc.c.permit_number)):
                counts[number] = int(n)
        return counts

    def existing(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], ItemRecord]:
        d = t.deliveries
        wanted = set(keys)
        found: dict[tuple[str, str, str], ItemRecord] = {}
        for chunk in chunks(sorted({k[2] for k in wanted})):
            for r in self.conn.execute(sa.select(d).where(d.c.serial_norm.in_(chunk))):
                key = (r.manufacturer_id, r.family, r.serial_norm)
                if key in wanted:
                    found[key] = _item(r)
        return found

    def add_items(self, records: Iterable[ItemRecord]) -> int:
        rows = [
            (r.item.permit_number, r.product_id, r.manufacturer_id, r.family, r.item.serial, r.serial_norm,
             serial_fold(r.item.serial), r.item.delivered_on, r.item.recipient_id)
            for r in records
        ]
        bulk_insert(self.conn, t.deliveries, _ITEM_COLUMNS, rows)
        return len(rows)

    def prepare_items(self, records: Sequence[ItemRecord]) -> PreparedItems:
        d = t.deliveries
        after = int(self.conn.scalar(sa.select(sa.func.max(d.c.id))) or 0)
        columns = ("id", *_ITEM_COLUMNS)
        rows = [
            (after + i, r.item.permit_number, r.product_id, r.manufacturer_id, r.family, r.item.serial, r.serial_norm,
             serial_fold(r.item.serial), r.item.delivered_on, r.item.recipient_id)
            for i, r in enumerate(records, start=1)
        ]
        # Digested as `audit.rows.digests` digests the stored row: every column of the table, by name (the
        # ones not inserted are NULL, which a digest leaves out), values as the driver gives them back.
        names = [c.name for c in d.columns]
        position = {name: i for i, name in enumerate(columns)}
        digest = RowDigester(names)
        picks = [position.get(name) for name in names]
        prepared = [(row_key([row[0]]), digest([None if p is None else row[p] for p in picks])) for row in rows]
        return PreparedItems(d.name, after, rows, prepared)

    def add_prepared(self, prepared: PreparedItems) -> bool:
        d = t.deliveries
        if int(self.conn.scalar(sa.select(sa.func.max(d.c.id))) or 0) != prepared.after_id:
            return False
        for chunk in chunks(prepared.rows):
            bulk_insert(self.conn, d, ("id", *_ITEM_COLUMNS), chunk)
        if self.conn.dialect.name == "postgresql" and prepared.rows:
            # The ids were given, not drawn: the sequence must not hand them out again. (Setting it back below
            # numbers drawn by transactions that rolled back is harmless: those ids were never stored, and every
            # writer of items holds the write lock, so none holds an id drawn meanwhile.)
            self.conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('deliveries', 'id'),"
                                      " (SELECT max(id) FROM deliveries))"))
        return True

    def find_by_serial_norm(self, serial_norm: str) -> builtins.list[ItemRecord]:
        d = t.deliveries
        q = sa.select(d).where(d.c.serial_norm == serial_norm).order_by(d.c.id)
        return [_item(r) for r in self.conn.execute(q)]

    def dossiers_by_serial_norm(self, serial_norm: str) -> builtins.list[ItemDossier]:
        from endwatch.db.registry import trace  # here: that module builds on the registry's repositories

        return trace.dossiers_by_serial_norm(self.conn, serial_norm)

    def makers_and_models(self, maker_key: str, model_key: str) -> tuple[set[str], dict[str, str]]:
        from endwatch.db.registry import trace

        return trace.makers_and_models(self.conn, maker_key, model_key)

    def dossiers_by_serial_norms(self, serial_norms: Collection[str]) -> dict[str, builtins.list[ItemDossier]]:
        from endwatch.db.registry import trace

        return trace.dossiers_by_serial_norms(self.conn, serial_norms)

    def for_permit(self, number: str) -> builtins.list[ItemRecord]:
        d = t.deliveries
        q = sa.select(d).where(d.c.permit_number == number).order_by(d.c.delivered_on, d.c.id)
        return [_item(r) for r in self.conn.execute(q)]

    def iter_all(self) -> Iterator[ItemRecord]:
        d = t.deliveries
        result = self.conn.execution_options(yield_per=CHUNK).execute(sa.select(d).order_by(d.c.id))
        for r in result:
            yield _item(r)

    def release_hold(self, delivery_id: int) -> None:
        d, h = t.deliveries, t.serial_holds
        self.conn.execute(h.delete().where(h.c.delivery_id == delivery_id))
        self.conn.execute(d.update().where(d.c.id == delivery_id).values(serial_held=None))

    def note_hold(self, delivery_id: int, reason: str) -> None:
        h = t.serial_holds
        self.conn.execute(h.update().where(h.c.delivery_id == delivery_id).values(reason=reason))

    def holds(self, serial_norm: str | None = None) -> builtins.list[SerialHold]:
        d, h = t.deliveries, t.serial_holds
        q = (sa.select(h.c.delivery_id, h.c.manufacturer_id, h.c.family, h.c.serial_key, d.c.serial, d.c.permit_number,
                       d.c.delivered_on, h.c.held_at, h.c.reason)
             .join(d, d.c.id == h.c.delivery_id)
             .order_by(h.c.manufacturer_id, h.c.family, h.c.serial_key, h.c.delivery_id))
        if serial_norm is not None:
            q = q.where(h.c.serial_key == serial_norm)
        return [SerialHold(int(r.delivery_id), r.manufacturer_id, r.family, r.serial_key, r.serial, r.permit_number,
                           r.delivered_on, r.held_at, r.reason) for r in self.conn.execute(q)]

    @staticmethod
    def _retransfer(r: sa.Row[Any]) -> Retransfer:
        return Retransfer(r.permit_number, r.to_party_id, r.authorized_on, r.reference, r.serial)

    def retransfers_for(self, permit_number: str) -> builtins.list[Retransfer]:
        rt = t.retransfers
        q = sa.select(rt).where(rt.c.permit_number == permit_number).order_by(rt.c.authorized_on, rt.c.id)
        return [self._retransfer(r) for r in self.conn.execute(q)]

    def all_retransfers(self) -> builtins.list[Retransfer]:
        rt = t.retransfers
        q = sa.select(rt).order_by(rt.c.permit_number, rt.c.authorized_on, rt.c.id)
        return [self._retransfer(r) for r in self.conn.execute(q)]

    def add_retransfer(self, retransfer: Retransfer) -> None:
        r = retransfer
        self.conn.execute(
            t.retransfers.insert().values(
                permit_number=r.permit_number,
                serial=r.serial,
                serial_norm=serial_key(r.serial) if r.serial else None,
                to_party_id=r.to_party_id,
                authorized_on=r.authorized_on,
                reference=r.reference,
            )
        )
