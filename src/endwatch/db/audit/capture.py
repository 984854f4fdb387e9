"""Noting every row written to an audited table, whoever writes it: database triggers.

Each audited table gets triggers that add the primary key of every row inserted, updated or deleted to
`audit_touched` (SQLite: row triggers; PostgreSQL: statement triggers over transition tables, one
INSERT per statement, so bulk paths such as COPY pay little). The gate digests the noted rows into the
write's audit entry (db/audit/rows.py). The triggers are only how the application finds what it wrote:
verification compares the live rows with the trail and needs no trigger, so dropping them hides nothing.

Which tables are audited is decided here once: every table of the schema except `NOT_AUDITED`. Triggers
are installed by the migrations (and again after every migration run, so a table added later is covered
without anyone remembering to).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

# Tables whose rows the trail does not vouch for, and why.
NOT_AUDITED = {
    "audit_log": "the trail itself (verified by its hash chain)",
    "audit_head": "the trail itself (verified by its hash chain)",
    "audit_rows": "the trail's row digests (covered by the entries' hashes)",
    "audit_touched": "the rows of the transaction in progress",
    "web_sessions": "sign-ins, not registry records (written at sign-in and sign-out, outside the gate)",
    "signin_failures": "failed sign-ins, not registry records (written outside the gate)",
    "alembic_version": "the schema's version",
    "delivered_counts": "counts derived from `deliveries` by triggers (`audit verify` recounts them from the items)",
}

PREFIX = "ew_rows_"
TOUCHED = "audit_touched"


def audited_tables(conn: sa.Connection) -> list[tuple[str, list[str]]]:
    """Every audited table present in the database, with its primary key's columns, by name."""
    inspector = sa.inspect(conn)
    found = []
    for name in sorted(inspector.get_table_names()):
        if name in NOT_AUDITED:
            continue
        pk = inspector.get_pk_constraint(name).get("constrained_columns") or []
        if pk:
            found.append((name, list(pk)))
    return found


def _sqlite_ddl(table: str, pk: list[str]) -> list[str]:
    def note(row: str) -> str:
        k2 = f"{row}.{pk[1]}" if len(pk) > 1 else "''"
        return f"INSERT OR IGNORE INTO {TOUCHED} (tbl, k1, k2) VALUES ('{table}', {row}.{pk[0]}, {k2});"

    name = f"{PREFIX}{table}"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_ins AFTER INSERT ON {table} BEGIN {note('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_upd AFTER UPDATE ON {table} BEGIN {note('OLD')} {note('NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_del AFTER DELETE ON {table} BEGIN {note('OLD')} END",
    ]


def _postgresql_ddl(table: str, pk: list[str]) -> list[str]:
    def note(rows: str) -> str:
        k2 = f'"{pk[1]}"::text' if len(pk) > 1 else "''"
        return (f"INSERT INTO {TOUCHED} (tbl, k1, k2) SELECT DISTINCT '{table}', \"{pk[0]}\"::text, {k2}"
                f" FROM {rows} ON CONFLICT DO NOTHING;")

    name = f"{PREFIX}{table}"
    function = (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP <> 'INSERT' THEN {note('old_rows')} END IF;"
        f" IF TG_OP <> 'DELETE' THEN {note('new_rows')} END IF;"
        f" RETURN NULL; END $$"
    )
    triggers = [
        ("ins", "INSERT", "NEW TABLE AS new_rows"),
        ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("del", "DELETE", "OLD TABLE AS old_rows"),
    ]
    ddl = [function]
    for suffix, event, referencing in triggers:
        ddl.append(f"DROP TRIGGER IF EXISTS {name}_{suffix} ON {table}")
        ddl.append(f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {table} REFERENCING {referencing}"
                   f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    return ddl


def install(conn: sa.Connection, tables: Iterable[tuple[str, list[str]]] | None = None) -> None:
    """Make sure every audited table (or those given) has its triggers; a no-op before audit_touched exists."""
    if not sa.inspect(conn).has_table(TOUCHED):
        return
    make = _postgresql_ddl if conn.dialect.name == "postgresql" else _sqlite_ddl
    for table, pk in (audited_tables(conn) if tables is None else tables):
        for statement in make(table, pk):
            conn.exec_driver_sql(statement)


def uninstall(conn: sa.Connection) -> None:
    """Remove every trigger (and PostgreSQL function) `install` made."""
    postgresql = conn.dialect.name == "postgresql"
    for table in sa.inspect(conn).get_table_names():
        for suffix in ("ins", "upd", "del"):
            trigger = f"{PREFIX}{table}_{suffix}"
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}" if postgresql
                                 else f"DROP TRIGGER IF EXISTS {trigger}")
        if postgresql:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {PREFIX}{table}()")
