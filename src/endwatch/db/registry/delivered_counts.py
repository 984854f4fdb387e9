"""Delivered items counted per permit, product and day (`delivered_counts`), kept by database triggers.

Readers that need how many items a permit delivered, or when, read these counts instead of the items: the public
figures (GROUP BY over tens of thousands of counts instead of ten million items), the check plan, the permits'
delivered totals and the deliveries list filtered by destination or exporter. The counts are kept by triggers on
`deliveries`, so every path that writes items keeps them, the importers, the web and bulk SQL alike (SQLite: row
triggers with an upsert; PostgreSQL: statement triggers over transition tables, one grouped upsert per
statement, so COPY and bulk inserts pay little). A count that reaches zero is removed.

The table is derived data, not a record: the audit trail does not digest it (db/audit/capture.py), and
`audit verify` recounts it from the items instead (`differences`).
"""

from __future__ import annotations

import sqlalchemy as sa

TABLE = "delivered_counts"
KEY = ("permit_number", "delivered_on", "product_id")
_PREFIX = "ew_counts_"
_KEY = ", ".join(KEY)


def _sqlite_ddl() -> list[str]:
    def add(row: str) -> str:
        values = ", ".join(f"{row}.{c}" for c in KEY)
        return (f"INSERT INTO {TABLE} ({_KEY}, delivered) VALUES ({values}, 1)"
                f" ON CONFLICT ({_KEY}) DO UPDATE SET delivered = delivered + 1;")

    def remove(row: str) -> str:
        where = " AND ".join(f"{c} = {row}.{c}" for c in KEY)
        return (f"UPDATE {TABLE} SET delivered = delivered - 1 WHERE {where};"
                f" DELETE FROM {TABLE} WHERE {where} AND delivered <= 0;")

    columns = ", ".join(KEY)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {_PREFIX}ins AFTER INSERT ON deliveries BEGIN {add('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {_PREFIX}upd AFTER UPDATE OF {columns} ON deliveries"
        f" BEGIN {remove('OLD')} {add('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {_PREFIX}del AFTER DELETE ON deliveries BEGIN {remove('OLD')} END",
    ]


def _postgresql_ddl() -> list[str]:
    grouped = f"SELECT {_KEY}, count(*) AS n FROM {{rows}} GROUP BY {_KEY}"
    match = " AND ".join(f"c.{k} = g.{k}" for k in KEY)
    add = (f"INSERT INTO {TABLE} ({_KEY}, delivered) {grouped.format(rows='new_rows')}"
           f" ON CONFLICT ({_KEY}) DO UPDATE SET delivered = {TABLE}.delivered + EXCLUDED.delivered;")
    gone = grouped.format(rows="old_rows")
    remove = (f"UPDATE {TABLE} c SET delivered = c.delivered - g.n FROM ({gone}) g WHERE {match};"
              f" DELETE FROM {TABLE} c USING ({gone}) g WHERE {match} AND c.delivered <= 0;")
    function = (f"CREATE OR REPLACE FUNCTION {_PREFIX}keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF TG_OP <> 'INSERT' THEN {remove} END IF;"
                f" IF TG_OP <> 'DELETE' THEN {add} END IF;"
                f" RETURN NULL; END $$")
    ddl = [function]
    for suffix, event, referencing in (("ins", "INSERT", "NEW TABLE AS new_rows"),
                                       ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                       ("del", "DELETE", "OLD TABLE AS old_rows")):
        ddl.append(f"DROP TRIGGER IF EXISTS {_PREFIX}{suffix} ON deliveries")
        ddl.append(f"CREATE TRIGGER {_PREFIX}{suffix} AFTER {event} ON deliveries REFERENCING {referencing}"
                   f" FOR EACH STATEMENT EXECUTE FUNCTION {_PREFIX}keep()")
    return ddl


def install(conn: sa.Connection) -> None:
    """Make sure the triggers that keep the counts exist; a no-op before the table does (an older schema).

    Run after every migration (db/migrations/env.py): SQLite drops a table's triggers when a batch migration
    rebuilds it."""
    if not sa.inspect(conn).has_table(TABLE):
        return
    for statement in (_postgresql_ddl() if conn.dialect.name == "postgresql" else _sqlite_ddl()):
        conn.exec_driver_sql(statement)


def uninstall(conn: sa.Connection) -> None:
    """Remove the triggers (bulk loads that `recount` afterwards)."""
    postgresql = conn.dialect.name == "postgresql"
    for suffix in ("ins", "upd", "del"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_PREFIX}{suffix}" + (" ON deliveries" if postgresql else ""))
    if postgresql:
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_PREFIX}keep()")


def recount(conn: sa.Connection) -> None:
    """Count every item again: the counts become exactly the items' (one GROUP BY over `deliveries`)."""
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    conn.exec_driver_sql(f"INSERT INTO {TABLE} ({_KEY}, delivered) SELECT {_KEY}, count(*) FROM deliveries"
                         f" GROUP BY {_KEY}")


def differences(conn: sa.Connection) -> list[tuple[tuple[str, str, str], int, int]]:
    """Every (permit, day, product) whose kept count differs from the items counted now: (key, kept, counted).

    Reads every item once (one GROUP BY), as `audit verify` reads every row anyway."""
    counted = f"SELECT {_KEY}, count(*) AS n FROM deliveries GROUP BY {_KEY}"
    on = " AND ".join(f"k.{c} = d.{c}" for c in KEY)
    pick = ", ".join(f"coalesce(k.{c}, d.{c})" for c in KEY)
    # Both ways (a kept count with no items, items with no kept count): a left join each way, no FULL JOIN
    # (SQLite before 3.39 has none).
    query = (f"SELECT {pick}, coalesce(k.delivered, 0), coalesce(d.n, 0) FROM {TABLE} k"
             f" LEFT JOIN ({counted}) d ON {on} WHERE d.n IS NULL OR d.n <> k.delivered"
             f" UNION ALL SELECT {pick}, 0, d.n FROM ({counted}) d"
             f" LEFT JOIN {TABLE} k ON {on} WHERE k.delivered IS NULL"
             f" ORDER BY 1, 2, 3")
    return [((str(r[0]), str(r[1]), str(r[2])), int(r[3]), int(r[4])) for r in conn.exec_driver_sql(query)]
