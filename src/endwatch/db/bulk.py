"""Many rows at once: reading and writing in chunks, and inserting through the driver (COPY on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

CHUNK = 5000


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """`items` in consecutive slices of at most `size` (IN lists and batches stay within the drivers' limits)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def bulk_insert(conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows through the driver, in the caller's transaction: COPY on PostgreSQL, executemany
    on SQLite. Bypasses SQLAlchemy's per-row parameter processing, which dominates bulk imports."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLite stores dates as ISO text, as SQLAlchemy's Date type does.
    iso = [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", iso)
    finally:
        cur.close()
