"""A product is found by its own model name, typed in any case, spacing or hyphenation (not only through
an alias), by trace, the command line and both repository look-ups; migration 0008 backfills the key."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from alembic import command
from tests.factories import ACTOR, issued_world
from typer.testing import CliRunner

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.db.engine import alembic_config, upgrade
from endwatch.domain.products import Product
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.products import save_product
from endwatch.services.registry.trace import trace_serial

DAY = date(2021, 2, 1)


def _delivered(ew: Endwatch) -> None:
    """The small world (product s, model "S-15", alias "CS-15") with item AB-123 delivered."""
    issued_world(ew)
    record_delivery(ew.uow(), ACTOR, "P-1", date(2020, 9, 15), ["AB-123"])


def test_trace_finds_the_item_by_its_own_model_written_differently(ew: Endwatch) -> None:
    _delivered(ew)
    for text in ("S-15", "s15", "S 15", "s.15"):
        result = trace_serial(ew.reader(), "AB123", model=text, as_of=DAY)
        assert [h.product.id for h in result.hits] == ["s"], (text, result.notes)
    both = trace_serial(ew.reader(), "AB123", manufacturer="maker corp", model="s_15", as_of=DAY)
    assert [h.permit.number for h in both.hits] == ["P-1"]
    # The alias still works, and a model naming nothing still matches nothing.
    assert [h.product.id for h in trace_serial(ew.reader(), "AB123", model="cs 15", as_of=DAY).hits] == ["s"]
    none = trace_serial(ew.reader(), "AB123", model="S-16", as_of=DAY)
    assert none.hits == () and "names no known product" in none.notes[0]


def test_cli_trace_by_own_model(ew: Endwatch, cli: CliRunner) -> None:
    _delivered(ew)
    result = cli.invoke(app, ["trace", "ab 123", "--model", "s15", "--as-of", "2021-02-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    assert len(items) == 1 and items[0]["permit"]["number"] == "P-1", items


def test_repository_lookups_agree_and_follow_a_renamed_model(ew: Endwatch) -> None:
    _delivered(ew)
    with ew.reader() as uow:
        assert [p.id for p in uow.products.find_by_model_key("s15", None)] == ["s"]
        assert [p.id for p in uow.products.find_by_model_key("s15", ["m"])] == ["s"]
        assert uow.products.find_by_model_key("s15", ["c"]) == []
        assert uow.products.makers_by_model_key("s15") == {"s": "m"}
        assert uow.products.makers_by_model_key("cs15") == {"s": "m"}
    # Saving a product again rewrites its key: the old model no longer finds it, the new one does.
    save_product(ew.uow(), ACTOR, Product("s", "m", "S-20 Mk II", ("CS-15",), ("2-15", "ML15"), "sensor"))
    with ew.reader() as uow:
        assert uow.products.find_by_model_key("s15", None) == []
        assert uow.products.makers_by_model_key("s15") == {}
        assert [p.id for p in uow.products.find_by_model_key("s20mkii", None)] == ["s"]
        assert uow.products.makers_by_model_key("s20mkii") == {"s": "m"}
    assert [h.product.id for h in trace_serial(ew.reader(), "AB123", model="s-20 MK-II", as_of=DAY).hits] == ["s"]


def test_upgrade_backfills_model_key_of_existing_products(ew: Endwatch) -> None:
    config = alembic_config(ew.engine)
    command.downgrade(config, "0007_enforcement_proposals")
    try:
        assert "model_key" not in {c["name"] for c in sa.inspect(ew.engine).get_columns("products")}
        with ew.engine.begin() as conn:
            conn.execute(sa.text("insert into parties (id, name, kind) values ('m', 'Maker', 'company')"))
            conn.execute(sa.text(
                "insert into products (id, manufacturer_id, model, family, description)"
                " values ('old', 'm', 'MX-15D Élite', 'old', ''), ('other', 'm', 'T-9', 'other', '')"))
    finally:
        upgrade(ew.engine)
    columns = {c["name"]: c for c in sa.inspect(ew.engine).get_columns("products")}
    assert columns["model_key"]["nullable"] is False
    assert "ix_products_model_key" in {i["name"] for i in sa.inspect(ew.engine).get_indexes("products")}
    with ew.engine.connect() as conn:
        keys = {r.id: r.model_key for r in conn.execute(sa.text("select id, model_key from products"))}
    assert keys == {"old": "mx15delite", "other": "t9"}
    with ew.reader() as uow:
        assert uow.products.makers_by_model_key("mx15delite") == {"old": "m"}
        assert [p.id for p in uow.products.find_by_model_key("t9", None)] == ["other"]
    result = trace_serial(ew.reader(), "X1", model="mx 15d elite", as_of=DAY)
    assert result.hits == () and result.notes == ("no delivered item has this serial",)
