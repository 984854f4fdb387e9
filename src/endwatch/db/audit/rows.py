"""Row digests on storage: digesting the rows a transaction touched, storing them with their entry, and
reading back what the trail vouches for and what the tables hold (domain/audit_rows.py has the rules).

Functions take the tables to read by name (`tables`): the application passes its declared schema, a
migration the tables it reflected at its own revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit import tables as t
from endwatch.db.audit.capture import audited_tables
from endwatch.db.bulk import CHUNK, bulk_insert
from endwatch.domain.audit_rows import RowDigester, RowsHasher, row_key

Change = tuple[str, str, str | None]

# Where a write's adapters leave the digests of rows they inserted, computed from the values inserted (see
# `vouch`): on the connection, so that any area's adapter can vouch for its rows without the audit repository.
_VOUCHED = "endwatch.audit.vouched"


def vouch(conn: sa.Connection, table: str, found: Iterable[tuple[str, str]]) -> None:
    """Give the digests (row key, digest) of rows this write inserted into `table`, computed from the values
    inserted as `digests` computes them from the stored row, so that sealing need not read those rows back.

    Only for rows the write leaves as inserted: sealing uses a vouched digest for a row the triggers noted,
    and `endwatch audit verify` compares it with the live row, so a wrong digest shows as a changed row (never
    hides one). Forgotten when the write's row capture starts or ends (`forget_vouched`)."""
    conn.info.setdefault(_VOUCHED, {}).setdefault(table, {}).update(found)


def vouch_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """`vouch` for `rows` inserted into `table`: each row's values for `columns` as reading the row back gives
    them (dates as dates, JSON columns as their values; a column not given is NULL), as `digests` digests them."""
    names = [c.name for c in table.columns]
    position = {name: i for i, name in enumerate(columns)}
    picks = [position.get(name) for name in names]
    keys = [position[c.name] for c in table.primary_key.columns]
    digest = RowDigester(names)
    vouch(conn, table.name, [(row_key([row[i] for i in keys]), digest([None if p is None else row[p] for p in picks]))
                             for row in rows])


def vouched(conn: sa.Connection) -> dict[str, dict[str, str]]:
    """The digests vouched for in this write so far, by table."""
    found: dict[str, dict[str, str]] = conn.info.get(_VOUCHED, {})
    return found


def forget_vouched(conn: sa.Connection) -> None:
    """Forget vouched digests (kept on the pooled connection, so cleared at every write's start and end)."""
    conn.info.pop(_VOUCHED, None)


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


def touched_any(conn: sa.Connection) -> bool:
    """Whether any row was noted as written in this transaction."""
    return conn.execute(sa.select(t.audit_touched.c.tbl).limit(1)).first() is not None


def _touched_keys(conn: sa.Connection, name: str) -> Iterator[list[tuple[str, str]]]:
    """The noted keys (k1, k2) of one table, a chunk at a time (keyset pages over the table's key)."""
    touched = t.audit_touched
    last: tuple[str, str] | None = None
    while True:
        query = sa.select(touched.c.k1, touched.c.k2).where(touched.c.tbl == name)
        if last is not None:
            query = query.where(sa.tuple_(touched.c.k1, touched.c.k2) > sa.tuple_(*last))
        page = [(str(k1), str(k2)) for k1, k2 in
                conn.execute(query.order_by(touched.c.k1, touched.c.k2).limit(CHUNK))]
        if not page:
            return
        yield page
        last = page[-1]


def collect_touched(conn: sa.Connection, tables: Mapping[str, sa.Table]) -> list[Change]:
    """The (table, row key, digest) of every row noted as written in this transaction, in one list (digest
    None: deleted). For migrations' modest batches; the gate streams instead (`seal_touched`)."""
    changes: list[Change] = []
    for name in sorted(r[0] for r in conn.execute(sa.select(t.audit_touched.c.tbl).distinct())):
        for page in _digested_pages(conn, tables, name):
            changes.extend(page)
    return changes


def _digested_pages(conn: sa.Connection, tables: Mapping[str, sa.Table], name: str,
                    known: Mapping[str, str] | None = None) -> Iterator[list[Change]]:
    """Pages of (table, row key, digest) of the rows noted in `name`; a key in `known` takes its digest from
    there (rows the write inserted and digested from the values it inserted), the others are read back."""
    table = _table(conn, tables, name)
    pk = list(table.primary_key.columns)
    for page in _touched_keys(conn, name):
        keys = [tuple(int(v) if _is_int(c) else v for c, v in zip(pk, raw, strict=False)) for raw in page]
        named = [(k, row_key(k)) for k in keys]
        unknown = [k for k, key in named if not known or key not in known]
        found: dict[str, str] = {}
        if unknown:
            where = pk[0].in_([k[0] for k in unknown]) if len(pk) == 1 else sa.tuple_(*pk).in_(unknown)
            found = dict(digests(conn, table, where))
        if known:
            found.update((key, known[key]) for _k, key in named if key in known)
        yield [(name, key, found.get(key)) for _k, key in named]


def seal_touched(conn: sa.Connection, tables: Mapping[str, sa.Table], seq: int,
                 known: Mapping[str, Mapping[str, str]] | None = None) -> tuple[int, str]:
    """Digest every row noted as written in this transaction (None when it no longer exists: deleted),
    store each change with the entry `seq`, and return (how many, the entry's rows digest). A chunk of rows
    at a time, and the digest read back in order from storage: a write of millions of rows never holds them
    all. `known` gives, per table, digests of rows inserted by this write (see `_digested_pages`)."""
    count = 0
    for name in sorted(r[0] for r in conn.execute(sa.select(t.audit_touched.c.tbl).distinct())):
        for page in _digested_pages(conn, tables, name, (known or {}).get(name)):
            store(conn, seq, page)
            count += len(page)
    return count, next(groups(conn, seq))[1]


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


def _bytewise(conn: sa.Connection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # Text in the order of its UTF-8 bytes, which is Python's order of its code points (rows_digest's).
    return sa.collate(column, "C") if conn.dialect.name == "postgresql" else column


def groups(conn: sa.Connection, seq: int | None = None) -> Iterator[tuple[int, str]]:
    """(seq, the rows digest of its stored changes) of every entry that has stored changes (or of `seq`):
    read in table and key order, one change at a time."""
    r = t.audit_rows
    query = sa.select(r.c.seq, r.c.tbl, r.c.row_key, r.c.digest)
    if seq is not None:
        query = query.where(r.c.seq == seq)
    query = query.order_by(r.c.seq, _bytewise(conn, r.c.tbl), _bytewise(conn, r.c.row_key))
    current: int | None = None
    hasher = RowsHasher()
    for found, name, key, digest in conn.execute(query.execution_options(yield_per=CHUNK)):
        if found != current:
            if current is not None:
                yield current, hasher.hexdigest()
            current, hasher = int(found), RowsHasher()
        hasher.add(name, key, digest)
    if current is not None:
        yield current, hasher.hexdigest()


def entry_digests(conn: sa.Connection) -> dict[int, str]:
    """{seq: rows digest} of every entry that recorded rows."""
    a = t.audit_log
    query = sa.select(a.c.seq, a.c.rows_digest).where(a.c.rows_digest.is_not(None))
    return {int(s): str(d) for s, d in conn.execute(query)}


def live_tables(conn: sa.Connection, tables: Mapping[str, sa.Table]) -> list[sa.Table]:
    """Every audited table in the database."""
    return [_table(conn, tables, name) for name, _pk in audited_tables(conn)]

