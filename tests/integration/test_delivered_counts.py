"""The delivered items counted per permit, day and product (`delivered_counts`) are kept by triggers whatever
writes the items: the importer, bulk SQL inserts, updates and deletes; a count that reaches zero goes; the
migration counts the items already there; `audit verify` recounts and names a count changed behind the
application's back. Both databases."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import command
from tests.integration.test_audit_rows import tamper

from endwatch.db.engine import alembic_config, upgrade
from endwatch.services.audit.verify import verify_rows

KEPT = "SELECT permit_number, delivered_on, product_id, delivered FROM delivered_counts ORDER BY 1, 2, 3"
COUNTED = ("SELECT permit_number, delivered_on, product_id, count(*) FROM deliveries"
           " GROUP BY permit_number, delivered_on, product_id ORDER BY 1, 2, 3")
NEW_DAY, LATER_DAY = date(2021, 3, 1), date(2021, 4, 1)


def _rows(ew, sql: str) -> list[tuple[Any, ...]]:
    with ew.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _on(ew, day: date) -> list[tuple[Any, ...]]:
    return [(r[0], r[2], r[3]) for r in _rows(ew, KEPT) if str(r[1]) == day.isoformat()]


def _misc(ew) -> list[str]:
    return [p.describe() for p in verify_rows(ew.reader).problems if p.what == "miscounted"]


def test_the_import_keeps_the_counts(case):
    kept = _rows(case, KEPT)
    assert kept == _rows(case, COUNTED)
    assert sum(r[3] for r in kept) == _rows(case, "SELECT count(*) FROM deliveries")[0][0] > 0
    assert _misc(case) == []


def test_bulk_sql_inserts_updates_and_deletes_keep_the_counts(case):
    permit, product = _rows(case, "SELECT permit_number, product_id FROM deliveries ORDER BY id LIMIT 1")[0]
    copy = ("INSERT INTO deliveries (permit_number, product_id, manufacturer_id, family, serial, serial_norm,"
            " serial_fold, delivered_on, recipient_id) SELECT permit_number, product_id, manufacturer_id, family,"
            " serial || :s, serial_norm || :s, serial_fold || :s, :day, recipient_id FROM deliveries"
            " WHERE id = (SELECT min(id) FROM deliveries)")
    with case.engine.begin() as conn:
        for suffix in ("X1", "X2", "X3"):  # three statements on SQLite's row triggers and PostgreSQL's statement ones
            conn.execute(sa.text(copy), {"s": suffix, "day": NEW_DAY})
    assert _on(case, NEW_DAY) == [(permit, product, 3)]
    assert _rows(case, KEPT) == _rows(case, COUNTED)

    with case.engine.begin() as conn:  # one item moved to another day, in one statement
        conn.execute(sa.text("UPDATE deliveries SET delivered_on = :later WHERE serial LIKE '%X1'"),
                     {"later": LATER_DAY})
    assert _on(case, NEW_DAY) == [(permit, product, 2)]
    assert _on(case, LATER_DAY) == [(permit, product, 1)]

    with case.engine.begin() as conn:  # unrelated columns changed: nothing moves
        conn.execute(sa.text("UPDATE deliveries SET serial_held = NULL WHERE serial LIKE '%X2'"))
    assert _on(case, NEW_DAY) == [(permit, product, 2)]

    with case.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM deliveries WHERE serial LIKE '%X_'"))
    assert _on(case, NEW_DAY) == [] and _on(case, LATER_DAY) == [], "a count that reaches zero is removed"
    assert _rows(case, KEPT) == _rows(case, COUNTED)


def test_verify_recounts_and_names_a_count_changed_outside_the_application(case):
    permit, day, product, items = _rows(case, KEPT)[0]
    where = "permit_number = :p AND delivered_on = :d AND product_id = :r"
    key = {"p": permit, "d": day, "r": product}
    tamper(case, f"UPDATE delivered_counts SET delivered = delivered + 5 WHERE {where}", key)
    assert _misc(case) == [f"delivered_counts {permit} / {day} / {product}: {items + 5:,} items counted,"
                           f" {items:,} delivered (changed outside the application)"]
    tamper(case, f"DELETE FROM delivered_counts WHERE {where}", key)
    assert _misc(case) == [f"delivered_counts {permit} / {day} / {product}: 0 items counted, {items:,} delivered"
                           " (changed outside the application)"]
    tamper(case, "INSERT INTO delivered_counts (permit_number, delivered_on, product_id, delivered)"
                 " VALUES (:p, :d, :r, :n)", {**key, "n": items})
    assert _misc(case) == []
    tamper(case, "INSERT INTO delivered_counts (permit_number, delivered_on, product_id, delivered)"
                 " VALUES (:p, :d, :r, 7)", {**key, "d": NEW_DAY})
    assert _misc(case) == [f"delivered_counts {permit} / {NEW_DAY} / {product}: 7 items counted, 0 delivered"
                           " (changed outside the application)"]
    assert not verify_rows(case.reader).ok


def test_the_migration_counts_the_items_already_delivered(case):
    counted = _rows(case, COUNTED)
    command.downgrade(alembic_config(case.engine), "0032_party_indexes")
    assert not sa.inspect(case.engine).has_table("delivered_counts")
    with case.engine.begin() as conn:  # items written while the schema had no counts: no trigger left behind
        conn.execute(sa.text("UPDATE deliveries SET delivered_on = :d WHERE id = (SELECT min(id) FROM deliveries)"),
                     {"d": NEW_DAY})
    upgrade(case.engine)
    assert _rows(case, KEPT) == _rows(case, COUNTED) != counted
    assert _on(case, NEW_DAY) != []
