"""Row digests on storage: digesting the rows a transaction touched, storing them with their entry, and
reading back what the trail vouches for and what the tables hold (domain/audit_rows.py has the rules).

Functions take the tables to read by name (`tables`): the application passes its declared schema, a
migration the tables it reflected at its own revision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit import tables as t
from endwatch.db.audit.capture import audited_tables
from endwatch.db.bulk import CHUNK, bulk_insert, chunks
from endwatch.domain.audit_rows import RowDigester, row_key

Change = tuple[str, str, str | None]


def clear_touched(conn: sa.Connection) -> None:
    """Forget the rows noted so far: what is noted when a write begins was written outside the application."""
    conn.execute(t.audit_touched.delete())


def _is_int(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.Integer)


def _table(conn: sa.Connection, tables: Mapping[str, sa.Table], name: str) -> sa.Table:
    found = tables.get(name)
    return found if found is not None else sa.Table(name, sa.MetaData(), autoload_with=conn)


def digests(conn: sa.Connection, table: sa.Table,
            where: sa.ColumnElement[bool] | None = None) -> Iterator[tuple[str, str]]:
    """(row key, row digest) of `table`'s rows (those matching `where`, or all)."""
    pk = list(table.primary_key.columns)
    query = sa.select(table) if where is None else sa.select(table).where(where)
    result = conn.execute(query.execution_options(yield_per=CHUNK))
    names = list(result.keys())
    positions = [names.index(c.name) for c in pk]
    digest = RowDigester(names)
    for row in result:
        yield row_key([row[i] for i in positions]), digest(row)


def collect_touched(conn: sa.Connection, tables: Mapping[str, sa.Table]) -> list[Change]:
    """The (table, row key, digest) of every row noted as written in this transaction; digest None when
    the row no longer exists (deleted)."""
    touched = t.audit_touched
    names = [r[0] for r in conn.execute(sa.select(touched.c.tbl).distinct())]
    changes: list[Change] = []
    for name in sorted(names):
        table = _table(conn, tables, name)
        pk = list(table.primary_key.columns)
        keys = [tuple(int(v) if _is_int(c) else v for c, v in zip(pk, (k1, k2), strict=False))
                for k1, k2 in conn.execute(sa.select(touched.c.k1, touched.c.k2).where(touched.c.tbl == name))]
        noted = {row_key(k) for k in keys}
        # Looked up by primary key, a chunk of keys at a time (each database then uses the key's index).
        for chunk in chunks(keys):
            where = pk[0].in_([k[0] for k in chunk]) if len(pk) == 1 else sa.tuple_(*pk).in_(chunk)
            for key, digest in digests(conn, table, where):
                noted.discard(key)
                changes.append((name, key, digest))
        changes.extend((name, key, None) for key in sorted(noted))
    return changes


def store(conn: sa.Connection, seq: int, changes: Sequence[Change]) -> None:
    """Keep `changes` with the entry `seq` whose `rows` digest covers them."""
    bulk_insert(conn, t.audit_rows, ["seq", "tbl", "row_key", "digest"],
                [(seq, name, key, digest) for name, key, digest in changes])


def expected(conn: sa.Connection, name: str) -> dict[str, tuple[str, int]]:
    """{row key: (digest, seq of the entry that last recorded it)} of one table, as the trail says it is."""
    r = t.audit_rows
    state: dict[str, tuple[str, int]] = {}
    query = sa.select(r.c.seq, r.c.row_key, r.c.digest).where(r.c.tbl == name).order_by(r.c.seq)
    for seq, key, digest in conn.execute(query.execution_options(yield_per=CHUNK)):
        if digest is None:
            state.pop(key, None)
        else:
            state[key] = (digest, int(seq))
    return state


def recorded_tables(conn: sa.Connection) -> set[str]:
    """Every table the trail has recorded a row of."""
    return {r[0] for r in conn.execute(sa.select(t.audit_rows.c.tbl).distinct())}


def groups(conn: sa.Connection) -> Iterator[tuple[int, list[Change]]]:
    """The stored row digests grouped by the entry they belong to, in sequence order."""
    r = t.audit_rows
    query = sa.select(r.c.seq, r.c.tbl, r.c.row_key, r.c.digest).order_by(r.c.seq)
    current: int | None = None
    batch: list[Change] = []
    for seq, name, key, digest in conn.execute(query.execution_options(yield_per=CHUNK)):
        if seq != current:
            if current is not None:
                yield current, batch
            current, batch = int(seq), []
        batch.append((name, key, digest))
    if current is not None:
        yield current, batch


def entry_digests(conn: sa.Connection) -> dict[int, str]:
    """{seq: rows digest} of every entry that recorded rows."""
    a = t.audit_log
    query = sa.select(a.c.seq, a.c.rows_digest).where(a.c.rows_digest.is_not(None))
    return {int(s): str(d) for s, d in conn.execute(query)}


def live_tables(conn: sa.Connection, tables: Mapping[str, sa.Table]) -> list[sa.Table]:
    """Every audited table in the database."""
    return [_table(conn, tables, name) for name, _pk in audited_tables(conn)]

