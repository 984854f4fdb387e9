"""`endwatch evidence load --source sipri-register`: SIPRI's trade register as published (the real sample:
ISO-8859-1, preamble, `?`, delivery-year lists, comments) into transfers; codes without ISO 3166-1 entries
(Kosovo, NATO, former states, non-state armed groups); problems with file, line and column, nothing written.
Both databases. "Source: SIPRI Arms Transfers Database (c) SIPRI"."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.principals import person

from endwatch.cli import app
from endwatch.countries import country_name, is_country
from endwatch.errors import InvalidInput
from endwatch.services.assessment.evidence_load import Source, load_evidence
from endwatch.services.registry.imports import import_folder

REAL = Path(__file__).resolve().parents[1] / "data" / "realdata" / "sipri-trade-register-sample.csv"


def test_load_the_real_register_then_again_changes_nothing(cli, ew):
    result = cli.invoke(app, ["evidence", "load", str(REAL), "--source", "sipri-register", "--known-on", "2025-03-13",
                              "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[0]
    assert (report["records"], report["new"]) == (4372, 4372)
    with ew.reader() as uow:
        transfers = uow.assessment.transfers()
    assert len(transfers) == 4372 and len({t.reference for t in transfers}) == 4372
    # Identical rows are different deals: they get references of their own.
    assert any(t.reference.endswith("#2") for t in transfers)
    by = {(t.supplier_country, t.recipient_country, t.designation, t.order_year): t for t in transfers}
    tb2 = by[("TR", "AZ", "Bayraktar TB2", 2020)]
    assert (tb2.ordered, tb2.delivered, tb2.delivery_years) == (12, 12, (2020,))
    assert tb2.uncertain == ("order_year", "ordered")
    assert tb2.supplier_id is None and tb2.recipient_kind == "state" and tb2.item == "Bayraktar TB2 (armed UAV)"
    kosovo = [t for t in transfers if t.recipient_country == "XK"]
    assert kosovo and all(t.recipient_name == "Kosovo" for t in kosovo)
    assert {t.recipient_kind for t in transfers if t.recipient_name == "NATO**"} == {"international organisation"}
    ntc = [t for t in transfers if t.recipient_name == "NTC (Libya)*"]
    assert ntc and {(t.recipient_country, t.recipient_kind) for t in ntc} == {("LY", "non-state armed group")}
    assert any(t.supplier_country == "DD" for t in transfers)  # East Germany (GDR)
    assert any(t.delivered == 0 for t in transfers) and any(t.ordered is None for t in transfers)
    an32 = next(t for t in transfers if t.recipient_name == "Afghanistan" and t.designation == "An-32")
    assert an32.second_hand and an32.comments.startswith("Second-hand; $19 m deal")
    licensed = next(t for t in transfers if t.designation == "Vard-7-507")
    assert licensed.licensed_production and licensed.delivered == 0 and licensed.delivery_years == ()
    again = cli.invoke(app, ["evidence", "load", str(REAL), "--source", "sipri-register", "--known-on", "2025-03-13",
                             "--format", "json"])
    assert json.loads(again.output)[0]["unchanged"] == 4372
    with ew.reader() as uow:
        assert len(uow.assessment.transfers()) == 4372


def test_every_problem_named_with_line_and_column_and_nothing_written(ew, tmp_path):
    lines = REAL.read_bytes().decode("iso-8859-1").splitlines()
    assert lines[11].startswith("Recipient,Supplier")
    bad = [*lines[:13],
           lines[13].replace(",2008,Second hand", ",2008; 20x9,Second hand"),  # line 14: not a delivery year
           "Atlantis" + lines[14][len("Afghanistan"):],  # line 15: a recipient without a code
           lines[15].replace(",24,,2007,Second", ",-24,,2007,Second")]  # line 16: a negative number delivered
    path = tmp_path / "register.csv"
    path.write_bytes(("\n".join(bad) + "\n").encode("iso-8859-1"))
    with pytest.raises(InvalidInput) as err:
        load_evidence(ew.uow(), person("tester"), path, Source.SIPRI_REGISTER, known_on=date(2025, 3, 13))
    where = {(p.file, p.line, p.column) for p in err.value.problems}
    assert where == {("register.csv", 14, "Year(s) of delivery"), ("register.csv", 15, "Recipient"),
                     ("register.csv", 16, "Number delivered")}
    with ew.reader() as uow:
        assert uow.assessment.transfers() == []


def test_a_file_without_the_header_is_refused(ew, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no header line"):
        load_evidence(ew.uow(), person("tester"), path, Source.SIPRI_REGISTER, known_on=date(2025, 3, 13))


@pytest.mark.parametrize(("code", "name"), [("XK", "Kosovo"), ("XN", "NATO"), ("UN", "United Nations"),
                                            ("XU", "African Union"), ("EU", "European Union"),
                                            ("SU", "Soviet Union"), ("DD", "East Germany (GDR)"), ("XZ", "unknown")])
def test_documented_codes_are_codes(code, name):
    assert is_country(code) and country_name(code) == name


@pytest.mark.parametrize("code", ["XX", "ZZ", "QQ", "xk", "XKK"])
def test_other_codes_are_not_codes(code):
    assert not is_country(code)


PARTIES = """id,name,kind,country,parent_id,aliases,former_names
kosovo,Republic of Kosovo,state,XK,,,
ksf,Kosovo Security Force,armed_force,XK,kosovo,,
nspa,NATO Support and Procurement Agency,government_agency,XN,,,
baykar,Baykar,company,TR,,,
"""
TRANSFERS = """supplier_id,recipient_id,recipient_country,item,reported_on,source,reference,manufacturer,quantity
baykar,ksf,XK,Bayraktar TB2 drones,2023-06-01,press,deal-1,Baykar,5
baykar,ksf,XK,Bayraktar TB2 drones,2023-06-01,press,deal-2,Baykar,0
baykar,nspa,XN,spare parts,2023-07-01,press,,,
"""


def test_parties_and_transfers_without_iso_codes_import(ew, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "parties.csv").write_text(PARTIES, encoding="utf-8")
    (folder / "transfers.csv").write_text(TRANSFERS, encoding="utf-8")
    report = import_folder(ew.uow(), person("tester"), folder)
    assert {f.file: f.new for f in report.files}["transfers.csv"] == 3
    with ew.reader() as uow:
        stored = sorted(uow.assessment.transfers(), key=lambda t: t.key)
        assert uow.parties.get("ksf").country == "XK"
    # Two deals with the same supplier, recipient, item and date do not collide; 0 and unknown are kept.
    assert [(t.reference, t.delivered, t.manufacturer) for t in stored] == [
        ("", None, ""), ("deal-1", 5, "Baykar"), ("deal-2", 0, "Baykar")]
