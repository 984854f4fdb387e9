"""One serial key: stored keys recomputed; items that now share a key held for review, never merged or dropped.

Revision ID: 0016_serial_key
Revises: 0015_evidence_items

- deliveries.serial_norm and retransfers.serial_norm hold the serial key (domain/serials.py, `serial_key`),
  deliveries.serial_fold its folded form (detection's equivalent tier): recomputed for every stored row.
- Items of one manufacturer and product family whose keys are now equal (for example `ABC-123` and Cyrillic
  `АВС-123`, accepted as two items before) are *held*: deliveries.serial_held is TRUE (NULL otherwise) and a
  row of serial_holds says why. The unique index on (manufacturer_id, family, serial_norm) becomes partial
  (`WHERE serial_held IS NULL`), so holding them makes the migration succeed; nothing is merged or dropped.
- The audit trail receives, only when something changed, one entry per batch of re-keyed items (each item
  listed with its key before and after) and one entry per batch of held groups, each sealing the digests
  of the rows it wrote (migration 0013_audit_rows); the held groups are also written to the migration's
  log (`endwatch serials review` lists them afterwards).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from endwatch.db.audit import capture
from endwatch.db.audit import rows as row_store
from endwatch.domain.audit import canonical_json, seal
from endwatch.domain.audit_rows import rows_digest
from endwatch.domain.matching import fold
from endwatch.domain.serials import serial_key

revision: str = "0016_serial_key"
down_revision: str | Sequence[str] | None = "0015_evidence_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTOR = "endwatch-migration"
BATCH = 5_000
_log = logging.getLogger("alembic.runtime.migration")

_deliveries = sa.table("deliveries", sa.column("id", sa.Integer), sa.column("manufacturer_id", sa.String),
                       sa.column("family", sa.String), sa.column("permit_number", sa.String),
                       sa.column("serial", sa.String), sa.column("serial_norm", sa.String),
                       sa.column("serial_fold", sa.String), sa.column("serial_held", sa.Boolean))
_retransfers = sa.table("retransfers", sa.column("id", sa.Integer), sa.column("serial", sa.String),
                        sa.column("serial_norm", sa.String))
_holds = sa.table("serial_holds", sa.column("delivery_id", sa.Integer), sa.column("manufacturer_id", sa.String),
                  sa.column("family", sa.String), sa.column("serial_key", sa.String),
                  sa.column("held_at", sa.String), sa.column("reason", sa.Text))
_audit = sa.table("audit_log", *(sa.column(c) for c in ("seq", "recorded_at", "actor", "action", "entity",
                                                        "entity_key", "before", "after", "reason", "prev_hash",
                                                        "hash", "delegate", "rows_digest")))
_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
                 sa.column("hash", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("deliveries", sa.Column("serial_held", sa.Boolean(), nullable=True))
    op.create_table(
        "serial_holds",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", _BIG_ID, nullable=False),
        sa.Column("manufacturer_id", sa.String(100), nullable=False),
        sa.Column("family", sa.String(100), nullable=False),
        sa.Column("serial_key", sa.String(100), nullable=False),
        sa.Column("held_at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], name=op.f("fk_serial_holds_delivery_id_deliveries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serial_holds")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_serial_holds_delivery_id")),
    )
    op.create_index(op.f("ix_serial_holds_serial_key"), "serial_holds", ["serial_key"])
    # The unique constraint goes before the keys change (two items may now share one); the partial index
    # that replaces it comes once the items sharing a key are held.
    with _references_to_deliveries_set_aside(bind), op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_serial", type_="unique")
    # Rows written from here on are noted for the audit entries (SQLite's rebuild dropped the triggers, and
    # serial_holds is new).
    capture.install(bind)
    audit = _Audit(bind)
    _rekey_deliveries(bind, audit)
    _rekey_retransfers(bind, audit)
    _hold_shared_keys(bind, audit)
    op.create_index("uq_deliveries_serial", "deliveries", ["manufacturer_id", "family", "serial_norm"], unique=True,
                    sqlite_where=sa.text("serial_held IS NULL"), postgresql_where=sa.text("serial_held IS NULL"))


def downgrade() -> None:
    # The earlier unique constraint cannot come back while held items share a key: refuse rather than drop.
    bind = op.get_bind()
    held = bind.execute(sa.select(sa.func.count()).select_from(_holds)).scalar_one()
    if held:
        raise RuntimeError(f"{held} delivered items are held for review (endwatch serials review): they share a"
                           " serial key, which the earlier schema cannot hold; nothing was changed")
    op.drop_index("uq_deliveries_serial", table_name="deliveries")
    op.drop_index(op.f("ix_serial_holds_serial_key"), table_name="serial_holds")
    op.drop_table("serial_holds")
    with _references_to_deliveries_set_aside(bind), op.batch_alter_table("deliveries") as batch:
        batch.drop_column("serial_held")
        batch.create_unique_constraint("uq_deliveries_serial", ["manufacturer_id", "family", "serial_norm"])


@contextmanager
def _references_to_deliveries_set_aside(bind: sa.Connection) -> Iterator[None]:
    """On SQLite, rows of other tables that point at deliveries (findings.delivery_id) are set to NULL while
    the table is rebuilt (dropping a constraint rebuilds it: its old copy is dropped, which a reference would
    forbid with foreign keys on, and they cannot be turned off inside the migration's transaction), then given
    back their values, by rowid, once the rebuilt table holds the same ids. PostgreSQL alters in place."""
    if bind.dialect.name != "sqlite":
        yield
        return
    refs = []
    for (table,) in bind.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").all():
        for fk in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")').mappings():
            if fk["table"] == "deliveries" and table != "deliveries":
                refs.append((table, fk["from"]))
    for i, (table, column) in enumerate(refs):
        bind.exec_driver_sql(f'CREATE TEMP TABLE _ew_refs_{i} AS SELECT rowid AS rid, "{column}" AS v'
                             f' FROM "{table}" WHERE "{column}" IS NOT NULL')
        bind.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IS NOT NULL')
    yield
    for i, (table, column) in enumerate(refs):
        bind.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = (SELECT v FROM _ew_refs_{i} WHERE rid = "{table}".rowid)'
                             f' WHERE rowid IN (SELECT rid FROM _ew_refs_{i})')
        bind.exec_driver_sql(f"DROP TABLE _ew_refs_{i}")


class _Audit:
    """Appends entries to the hash-chained trail under the recorded head, as services/audit/trail.py does, each
    sealing the digests of the rows written since the previous one (as the gate does: db/audit/rows.py)."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        self.at = datetime.now(UTC).isoformat(timespec="microseconds")
        row = bind.execute(sa.select(_head.c.seq, _head.c.hash).where(_head.c.id == 1)).first()
        self.head: tuple[int, str] | None = (int(row.seq), str(row.hash)) if row is not None else None
        # Rows noted before the migration writes anything were not written by it: it vouches for none of them.
        row_store.clear_touched(bind)

    def record(self, action: str, entity_key: str, before: Any, after: Any, reason: str) -> None:
        if self.head is None:
            self.bind.execute(_head.insert().values(id=1, seq=0, hash="0" * 64))
            self.head = (0, "0" * 64)
        seq, prev = self.head
        changes = row_store.collect_touched(self.bind, {})
        encoded = {"before": canonical_json(before), "after": canonical_json(after)}
        entry = seal(seq=seq + 1, recorded_at=self.at, actor=ACTOR, action=action, entity="deliveries",
                     entity_key=entity_key, before=before, after=after, reason=reason, prev_hash=prev,
                     encoded=encoded, rows=rows_digest(changes) if changes else None)
        self.bind.execute(_audit.insert().values(
            seq=entry.seq, recorded_at=entry.recorded_at, actor=entry.actor, action=entry.action,
            entity=entry.entity, entity_key=entry.entity_key, before=encoded["before"], after=encoded["after"],
            reason=entry.reason, prev_hash=entry.prev_hash, hash=entry.hash, delegate=None, rows_digest=entry.rows))
        self.bind.execute(_head.update().where(_head.c.id == 1).values(seq=entry.seq, hash=entry.hash))
        self.head = (entry.seq, entry.hash)
        if changes:
            row_store.store(self.bind, entry.seq, changes)
            row_store.clear_touched(self.bind)


def _rekey_deliveries(bind: sa.Connection, audit: _Audit) -> None:
    """Every item's key and folded key recomputed, in batches by id; each batch of changes audited."""
    d = _deliveries
    last, batch_no = 0, 0
    update = (d.update().where(d.c.id == sa.bindparam("b_id"))
              .values(serial_norm=sa.bindparam("b_norm"), serial_fold=sa.bindparam("b_fold")))
    while True:
        rows = bind.execute(sa.select(d.c.id, d.c.permit_number, d.c.serial, d.c.serial_norm, d.c.serial_fold)
                            .where(d.c.id > last).order_by(d.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        changed = []
        for r in rows:
            key = serial_key(r.serial)
            folded = fold(key)
            if (key, folded) != (r.serial_norm, r.serial_fold):
                changed.append((r, key, folded))
        if not changed:
            continue
        bind.execute(update, [{"b_id": r.id, "b_norm": k, "b_fold": f} for r, k, f in changed])
        batch_no += 1
        audit.record(
            "serial.rekey", f"{revision} batch {batch_no}",
            [{"id": r.id, "permit_number": r.permit_number, "serial": r.serial, "serial_norm": r.serial_norm,
              "serial_fold": r.serial_fold} for r, _, _ in changed],
            [{"id": r.id, "serial_norm": k, "serial_fold": f} for r, k, f in changed],
            "the one serial key (issue 11): stored keys recomputed")


def _rekey_retransfers(bind: sa.Connection, audit: _Audit) -> None:
    """Every re-transfer's serial key recomputed (those naming one item); audited when any changed."""
    rt = _retransfers
    rows = bind.execute(sa.select(rt.c.id, rt.c.serial, rt.c.serial_norm).where(rt.c.serial.is_not(None))
                        .order_by(rt.c.id)).all()
    changed = [(r, serial_key(r.serial)) for r in rows if serial_key(r.serial) != r.serial_norm]
    if not changed:
        return
    bind.execute(rt.update().where(rt.c.id == sa.bindparam("b_id")).values(serial_norm=sa.bindparam("b_norm")),
                 [{"b_id": r.id, "b_norm": k} for r, k in changed])
    audit.record("serial.rekey", f"{revision} retransfers",
                 [{"retransfer_id": r.id, "serial": r.serial, "serial_norm": r.serial_norm} for r, _ in changed],
                 [{"retransfer_id": r.id, "serial_norm": k} for r, k in changed],
                 "the one serial key (issue 11): stored keys of re-transfers recomputed")


def _hold_shared_keys(bind: sa.Connection, audit: _Audit) -> None:
    """Items of one manufacturer and family that now share a key: held, listed in the log and the trail."""
    d = _deliveries
    shared = (sa.select(d.c.manufacturer_id, d.c.family, d.c.serial_norm)
              .group_by(d.c.manufacturer_id, d.c.family, d.c.serial_norm).having(sa.func.count() > 1).subquery())
    rows = bind.execute(
        sa.select(d.c.id, d.c.manufacturer_id, d.c.family, d.c.serial_norm, d.c.serial, d.c.permit_number)
        .join(shared, sa.and_(d.c.manufacturer_id == shared.c.manufacturer_id, d.c.family == shared.c.family,
                              d.c.serial_norm == shared.c.serial_norm))
        .order_by(d.c.manufacturer_id, d.c.family, d.c.serial_norm, d.c.id)).all()
    if not rows:
        return
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for r in rows:
        groups.setdefault((r.manufacturer_id, r.family, r.serial_norm), []).append(r)
    reason = ("shares its serial key with another item of the same manufacturer and product family"
              f" ({revision}): held for review, not merged")
    ids = [r.id for r in rows]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        bind.execute(d.update().where(d.c.id.in_(chunk)).values(serial_held=True))
    bind.execute(_holds.insert(), [{"delivery_id": r.id, "manufacturer_id": r.manufacturer_id, "family": r.family,
                                    "serial_key": r.serial_norm, "held_at": audit.at, "reason": reason}
                                   for r in rows])
    _log.warning("%d delivered items in %d groups now share a serial key and are held for review"
                 " (endwatch serials review):", len(rows), len(groups))
    listed = list(groups.items())
    for start in range(0, len(listed), BATCH):
        part = listed[start:start + BATCH]
        for (maker, family, key), items in part:
            _log.warning("  %s / %s / %s: %s", maker, family, key,
                         "; ".join(f"item {r.id} {r.serial!r} (permit {r.permit_number})" for r in items))
        audit.record(
            "serial.hold", f"{revision} holds {start // BATCH + 1}", None,
            [{"manufacturer_id": maker, "family": family, "serial_key": key,
              "items": [{"id": r.id, "serial": r.serial, "permit_number": r.permit_number} for r in items]}
             for (maker, family, key), items in part],
            reason)
