"""The audit log's repository over SQLAlchemy Core: appending under the chain's head, reading back."""

from __future__ import annotations

import builtins
import dataclasses
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit import rows as row_store
from endwatch.db.audit import tables as t
from endwatch.db.bulk import CHUNK
from endwatch.db.registry import delivered_counts
from endwatch.db.tables import metadata
from endwatch.domain.audit import GENESIS, AuditEntry, canonical_json, entry_hash
from endwatch.domain.audit_rows import RowProblem, compare_table, row_key


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
        # The last entry appended in this transaction, with its before and after as encoded for its hash.
        self._last: tuple[AuditEntry, dict[str, str]] | None = None

    def forget_head(self) -> None:
        """Called when the transaction ends: the next one must read the head again."""
        self._head = None
        self._last = None
        row_store.forget_vouched(self.conn)

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
            "rows_digest": entry.rows,
        })
        self.conn.execute(_MOVE_HEAD, {"new_seq": entry.seq, "new_hash": entry.hash})
        self._head = (entry.seq, entry.hash)
        encoded = {"before": before_json if before_json is not None else canonical_json(entry.before),
                   "after": after_json if after_json is not None else canonical_json(entry.after)}
        self._last = (entry, encoded)

    def start_row_capture(self) -> None:
        """Forget rows noted before this write began (written outside the application: verify names them)."""
        row_store.clear_touched(self.conn)
        row_store.forget_vouched(self.conn)

    def vouch(self, table: str, digests: Sequence[tuple[str, str]]) -> None:
        row_store.vouch(self.conn, table, digests)

    def seal_rows(self, record_entry: Callable[[], AuditEntry]) -> int:
        """Digest every row this transaction wrote to an audited table and seal the digests into the last
        entry it appended (re-hashed: no later entry links to it yet), calling `record_entry` first when it
        appended none. Returns how many rows were recorded (0: none written, nothing changed)."""
        if not row_store.touched_any(self.conn):
            return 0
        if self._last is None:
            record_entry()
        assert self._last is not None, "record_entry appended no entry"
        last, encoded = self._last
        count, digest = row_store.seal_touched(self.conn, metadata.tables, last.seq, row_store.vouched(self.conn))
        row_store.forget_vouched(self.conn)
        sealed = dataclasses.replace(last, rows=digest, hash="")
        sealed = dataclasses.replace(sealed, hash=entry_hash(sealed.payload(), encoded))
        a = t.audit_log
        self.conn.execute(a.update().where(a.c.seq == sealed.seq).values(rows_digest=sealed.rows, hash=sealed.hash))
        self.conn.execute(_MOVE_HEAD, {"new_seq": sealed.seq, "new_hash": sealed.hash})
        self._head = (sealed.seq, sealed.hash)
        self._last = (sealed, encoded)
        row_store.clear_touched(self.conn)
        return count

    def check_rows(self) -> tuple[int, int, list[RowProblem]]:
        """Compare every audited table's live rows with the digests the trail recorded, and those digests
        with the entries that cover them: (tables, rows checked, problems)."""
        problems: list[RowProblem] = []
        covered = row_store.entry_digests(self.conn)
        for seq, digest in row_store.groups(self.conn):
            if covered.pop(seq, None) != digest:
                problems.append(RowProblem("", "", "digests", seq))
        problems.extend(RowProblem("", "", "digests", seq) for seq in sorted(covered))
        live = row_store.live_tables(self.conn, metadata.tables)
        count = 0
        for table in live:
            n, found = compare_table(table.name, row_store.expected(self.conn, table.name),
                                     row_store.digests(self.conn, table))
            count += n
            problems.extend(found)
        # A table the trail recorded rows of that is gone altogether (dropped).
        present = {table.name for table in live}
        for name in sorted(row_store.recorded_tables(self.conn) - present):
            problems.extend(RowProblem(name, key, "deleted", seq)
                            for key, (_d, seq) in sorted(row_store.expected(self.conn, name).items()))
        # The delivered counts are derived, not digested: recounted from the items instead.
        problems.extend(RowProblem(delivered_counts.TABLE, row_key(key), "miscounted",
                                   detail=f"{kept:,} items counted, {counted:,} delivered")
                        for key, kept, counted in delivered_counts.differences(self.conn))
        return len(live), count, problems

    @staticmethod
    def _entry(r: sa.Row[Any]) -> AuditEntry:
        return AuditEntry(
            int(r.seq), r.recorded_at, r.actor, r.action, r.entity, r.entity_key,
            _load_json(r.before), _load_json(r.after), r.reason, r.prev_hash, r.hash, r.delegate, r.rows_digest,
        )

    def entries(self, after: int = 0) -> Iterator[AuditEntry]:
        # In sequence order: a moved, removed or inserted entry shows as a gap or a broken link.
        a = t.audit_log
        query = sa.select(a).order_by(a.c.seq)
        if after:
            query = query.where(a.c.seq > after)  # a range of the primary key: a tail reads only itself
        # yield_per on the statement, not the connection: a writer's later statements stay plain cursors.
        result = self.conn.execute(query.execution_options(yield_per=CHUNK))
        for r in result:
            yield self._entry(r)

    def version(self) -> int:
        """The head's sequence number as this transaction sees it (0 for an empty trail)."""
        return self.conn.execute(sa.select(t.audit_head.c.seq)).scalar() or 0

    def tables_written_since(self, version: int) -> set[str]:
        """The tables the writes after entry `version` touched (from their row digests; the index on seq)."""
        r = t.audit_rows
        return {str(n) for n in self.conn.execute(sa.select(r.c.tbl).where(r.c.seq > version).distinct()).scalars()}

    def rows_written_since(self, version: int, tables: Collection[str]) -> set[tuple[str, str]]:
        r = t.audit_rows
        query = sa.select(r.c.tbl, r.c.row_key).where(r.c.seq > version, r.c.tbl.in_(sorted(tables)))
        return {(str(n), str(k)) for n, k in self.conn.execute(query)}

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry `seq`, if there is one."""
        a = t.audit_log
        found = self.conn.execute(sa.select(a.c.hash).where(a.c.seq == seq)).scalar()
        return None if found is None else str(found)

    def count(self) -> int:
        """How many entries the trail holds."""
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar() or 0)

    def head(self) -> tuple[int, str] | None:
        row = self.conn.execute(sa.select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
        return (int(row.seq), str(row.hash)) if row else None

    def for_entity(self, entity: str, key: str) -> builtins.list[AuditEntry]:
        a = t.audit_log
        q = sa.select(a).where(a.c.entity == entity, a.c.entity_key == key).order_by(a.c.seq)
        return [self._entry(r) for r in self.conn.execute(q)]
