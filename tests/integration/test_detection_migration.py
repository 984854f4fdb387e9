"""Migration 0002_detection backfills deliveries.serial_fold for items delivered before it (SQLite)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from endwatch.db.engine import make_engine, upgrade


def test_serial_fold_is_backfilled(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0001_registry")
    with engine.begin() as conn:
        conn.execute(sa.text("insert into parties (id, name, kind) values ('m', 'Maker', 'company'),"
                             " ('c', 'Consignee', 'company')"))
        conn.execute(sa.text("insert into products (id, manufacturer_id, model, family, description)"
                             " values ('p', 'm', 'X', 'p', '')"))
        conn.execute(sa.text(
            "insert into permits (number, exporter_id, consignee_id, end_user_id, destination, product_id, quantity,"
            " end_use, no_reexport, issued_on, expires_on) values ('P', 'm', 'c', 'c', 'TR', 'p', 2, '', 0,"
            " '2020-01-01', '2021-01-01')"))
        conn.execute(sa.text(
            "insert into deliveries (permit_number, product_id, manufacturer_id, family, serial, serial_norm,"
            " delivered_on, recipient_id) values ('P', 'p', 'm', 'p', 'sn-ob.12/z', 'SNOB.12/Z', '2020-02-01', 'c')"))
    upgrade(engine, "0002_detection")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select serial_fold from deliveries")).scalar_one() == "5N08122"
    engine.dispose()
