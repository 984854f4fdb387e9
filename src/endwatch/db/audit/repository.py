"""The audit log's repository over SQLAlchemy Core: appending under the chain's head, reading back."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit import tables as t
from endwatch.db.bulk import CHUNK
from endwatch.domain.audit import GENESIS, AuditEntry


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _load_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


_MOVE_HEAD = (t.audit_head.update().where(t.audit_head.c.id == 1)
              .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash")))


class SqlAuditRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self._head: tuple[int, str] | None = None  # known for the rest of this transaction once read

    def forget_head(self) -> None:
        """Called when the transaction ends: the next one must read the head again."""
        self._head = None

    def head_for_append(self) -> tuple[int, str]:
        # The transaction already holds the write lock (taken when it began), so the head cannot move
        # under it; it is read once and then followed as entries are appended.
        if self._head is not None:
            return self._head
        h = t.audit_head
        row = self.conn.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
        if row is None:
            self.conn.execute(h.insert().values(id=1, seq=0, hash=GENESIS))
            self._head = (0, GENESIS)
        else:
            self._head = (int(row.seq), str(row.hash))
        return self._head

    def append(self, entry: AuditEntry, *, before_json: str | None = None, after_json: str | None = None) -> None:
        # Parameters passed beside the statement, not through .values(): the compiled statement is then
        # reused from SQLAlchemy's cache for every entry (large runs append thousands).
        self.conn.execute(t.audit_log.insert(), {
            "seq": entry.seq, "recorded_at": entry.recorded_at, "actor": entry.actor, "action": entry.action,
            "entity": entry.entity, "entity_key": entry.entity_key,
            "before": before_json if before_json is not None else _dump(entry.before),
            "after": after_json if after_json is not None else _dump(entry.after),
            "reason": entry.reason, "prev_hash": entry.prev_hash, "hash": entry.hash, "delegate": entry.delegate,
        })
        self.conn.execute(_MOVE_HEAD, {"new_seq": entry.seq, "new_hash": entry.hash})
        self._head = (entry.seq, entry.hash)

    @staticmethod
    def _entry(r: sa.Row[Any]) -> AuditEntry:
        return AuditEntry(
            int(r.seq), r.recorded_at, r.actor, r.action, r.entity, r.entity_key,
            _load_json(r.before), _load_json(r.after), r.reason, r.prev_hash, r.hash, r.delegate,
        )

    def entries(self) -> Iterator[AuditEntry]:
        # In sequence order: a moved, removed or inserted entry shows as a gap or a broken link.
        a = t.audit_log
        result = self.conn.execution_options(yield_per=CHUNK).execute(sa.select(a).order_by(a.c.seq))
        for r in result:
            yield self._entry(r)

    def version(self) -> int:
        """The head's sequence number as this transaction sees it (0 for an empty trail)."""
        return self.conn.execute(sa.select(t.audit_head.c.seq)).scalar() or 0

    def head(self) -> tuple[int, str] | None:
        row = self.conn.execute(sa.select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
        return (int(row.seq), str(row.hash)) if row else None

    def for_entity(self, entity: str, key: str) -> builtins.list[AuditEntry]:
        a = t.audit_log
        q = sa.select(a).where(a.c.entity == entity, a.c.entity_key == key).order_by(a.c.seq)
        return [self._entry(r) for r in self.conn.execute(q)]
