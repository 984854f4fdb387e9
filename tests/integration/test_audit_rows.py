"""`endwatch audit verify` checks every audited row against the trail: a row changed, added or deleted by
raw SQL (outside the application) is named with its table, key and what happened; writes made through
the application, bulk ones included, verify intact. Both databases."""

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from tests.principals import person

from endwatch.cli import app
from endwatch.db.engine import alembic_config, upgrade
from endwatch.domain.audit_rows import row_key
from endwatch.services.assessment import decisions
from endwatch.services.audit.verify import verify, verify_rows


def tamper(ew, statement: str, params: dict[str, Any] | None = None) -> None:
    """Run SQL around the application, as an intruder with database access would: foreign keys unchecked
    (and, on PostgreSQL, triggers off too, which verification must not need)."""
    if ew.engine.dialect.name == "sqlite":
        raw = ew.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")  # the connection is in autocommit mode (db/engine.py)
            cur.execute(statement, params or {})
            cur.execute("PRAGMA foreign_keys=ON")  # the connection goes back to the pool
        finally:
            raw.close()
        return
    with ew.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(sa.text(statement), params or {})


@pytest.fixture
def world(case, cli):
    """The reference case, an account (the cli fixture's) and a decision with its second signature."""
    decisions.decide(case.uow(), person("approver-1"), "APP-REDACTED-3", "approve", reason="exceptional",
                     on=date(2020, 10, 1), justification="a written justification",
                     exception="NATO co-operation programs")
    decisions.countersign(case.uow(), person("approver-2"), "APP-REDACTED-3", reason="agreed", on=date(2020, 10, 1))
    return case


# table -> (primary key column, a column to edit and its new value, overrides for a new row)
CASES = {
    "permits": ("number", ("quantity", 700), {"number": "PERMIT-FORGED"}),
    "permit_status_changes": ("id", ("reason", "edited"), {"id": 9001}),
    "deliveries": ("id", ("serial", "SN-EDITED"), {"id": 9001, "serial": "SN-FORGED", "serial_norm": "SNFORGED"}),
    "applications": ("number", ("status", "denied"), {"number": "APP-FORGED"}),
    "decisions": ("id", ("reason", "edited"), {"id": 9001}),
    "users": ("username", ("role", "auditor"), {"username": "intruder"}),
}


def _first(ew, table: str, pk: str) -> dict[str, Any]:
    with ew.engine.connect() as conn:
        return dict(conn.execute(sa.text(f"select * from {table} order by {pk} limit 1")).mappings().one())


def _insert(ew, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(row)
    tamper(ew, f"insert into {table} ({cols}) values ({', '.join(':' + c for c in row)})", row)


def _problems(ew) -> list[tuple[str, str, str]]:
    report = verify_rows(ew.reader)
    return [(p.table, p.key, p.what) for p in report.problems]


def test_application_writes_verify_intact(world, cli):
    report = verify_rows(world.reader)
    assert report.ok, [p.describe() for p in report.problems]
    assert report.tables >= 6 and report.rows > 50
    result = cli.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "records intact" in result.output


def _counts_off(ew, table: str, row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What else verify names when an item is added or deleted by SQL: on PostgreSQL `tamper` turns triggers off,
    so the delivered count kept for the item's permit, day and product is left wrong, and verify recounts it."""
    if table != "deliveries" or ew.engine.dialect.name != "postgresql":
        return []
    return [("delivered_counts", row_key([row["permit_number"], str(row["delivered_on"]), row["product_id"]]),
             "miscounted")]


@pytest.mark.parametrize("table", sorted(CASES))
def test_update_delete_insert_are_named(world, table):
    pk, (column, value), new = CASES[table]
    row = _first(world, table, pk)
    key = row_key([row[pk]])
    assert _problems(world) == []

    tamper(world, f"update {table} set {column} = :v where {pk} = :k", {"v": value, "k": row[pk]})
    assert _problems(world) == [(table, key, "changed")]
    tamper(world, f"update {table} set {column} = :v where {pk} = :k", {"v": row[column], "k": row[pk]})
    assert _problems(world) == [], "the row as it was verifies again"

    tamper(world, f"delete from {table} where {pk} = :k", {"k": row[pk]})
    assert _problems(world) == [(table, key, "deleted"), *_counts_off(world, table, row)]
    _insert(world, table, row)
    assert _problems(world) == []

    _insert(world, table, {**row, **new})
    assert _problems(world) == [(table, row_key([new[pk]]), "added"), *_counts_off(world, table, row)]
    assert verify(world.reader).ok, "the chain itself is untouched: only the records were"


def test_the_command_line_names_table_row_and_what(world, cli):
    tamper(world, "update permits set quantity = 700 where number = 'PERMIT-REDACTED-1'")
    tamper(world, "delete from permit_status_changes where id = 1")
    result = cli.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit trail intact" in result.output
    assert "permits PERMIT-REDACTED-1: changed outside the application" in result.output
    assert "permit_status_changes 1: deleted outside the application" in result.output
    result = cli.invoke(app, ["audit", "verify", "--format", "json"])
    assert result.exit_code == 1
    assert '"what": "changed"' in result.output and '"table": "permits"' in result.output


def test_a_later_write_does_not_absorb_an_earlier_intrusion(world):
    # The intruder's rows are noted by the triggers; the next write through the application must not
    # record them as its own.
    tamper(world, "update permits set quantity = 700 where number = 'PERMIT-REDACTED-1'")
    decisions.decide(world.uow(), person("approver-1"), "APP-REDACTED-4", "deny", reason="no",
                     on=date(2020, 10, 2))
    assert _problems(world) == [("permits", row_key(["PERMIT-REDACTED-1"]), "changed")]


def test_altered_row_digests_are_named(world):
    with world.engine.begin() as conn:
        seq = conn.scalar(sa.text("select max(seq) from audit_rows"))
        conn.execute(sa.text("update audit_rows set digest = :d where seq = :s"), {"d": "0" * 32, "s": seq})
    report = verify_rows(world.reader)
    assert not report.ok
    assert ("", "", "digests") in [(p.table, p.key, p.what) for p in report.problems]
    assert any(p.seq == seq and p.what == "digests" for p in report.problems)


def test_the_migration_records_existing_rows_as_a_baseline(ew):
    command.downgrade(alembic_config(ew.engine), "0012_historical_records")
    with ew.engine.begin() as conn:
        conn.execute(sa.text("insert into parties (id, name, country, kind) values ('p-1', 'Old Party', 'CA',"
                             " 'company')"))
        conn.execute(sa.text("insert into users (username, password_hash, role, active, created_at, jobs) values"
                             " ('old-admin', 'x', 'administrator', :t, '2020-01-01T00:00:00+00:00', '')"),
                     {"t": True})
    upgrade(ew.engine)
    with ew.engine.connect() as conn:
        entry = conn.execute(sa.text("select actor, action, rows_digest from audit_log order by seq desc"
                                     " limit 1")).one()
    assert entry.action == "audit.baseline" and entry.rows_digest
    assert verify(ew.reader).ok
    assert verify_rows(ew.reader).ok
    tamper(ew, "update parties set name = 'New Name' where id = 'p-1'")
    assert _problems(ew) == [("parties", row_key(["p-1"]), "changed")]


def test_the_whole_demo_replay_verifies_intact_then_names_an_intrusion(anonymous_cli, ew):
    # Many paths at once: imports, assessments, detection's bulk writes, cases, accounts.
    result = anonymous_cli.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    report = verify_rows(ew.reader)
    assert report.ok, [p.describe() for p in report.problems[:5]]
    with ew.engine.connect() as conn:
        tables = {r[0] for r in conn.execute(sa.text("select distinct tbl from audit_rows"))}
    assert {"permits", "permit_status_changes", "deliveries", "applications", "assessments", "sightings",
            "findings", "cases"} <= tables
    tamper(ew, "delete from findings")
    assert {(p.table, p.what) for p in verify_rows(ew.reader).problems} == {("findings", "deleted")}
