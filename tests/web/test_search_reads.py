"""Search reads what the question needs (issue 14): a misread serial's near candidates are looked up among the
items near it, without loading every party and product to resolve names the question does not have."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.principals import person
from tests.web.conftest import Web
from tests.web.test_list_reads import counting

from endwatch.services.detection.near import Near, near_candidates
from endwatch.services.registry.imports import import_folder

MORE_PARTIES = 500


def _search(web: Web, q: str) -> tuple[dict[str, object], int, int]:
    with counting(web.ew.engine) as reads:
        r = web.client.get("/api/v1/search", params={"q": q}, headers=web.as_("investigator"))
    assert r.status_code == 200, r.text
    return r.json(), reads.statements, reads.rows


def _more_parties(web: Web, tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    folder.mkdir()
    with (folder / "parties.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "kind", "country", "parent_id", "aliases", "former_names"])
        for i in range(MORE_PARTIES):
            out.writerow([f"trader-{i:04d}", f"Trading House {i:04d}", "company", "TR", "", "", ""])
    import_folder(web.ew.uow(), person("fixture"), folder)


def test_near_candidates_read_the_items_near_the_serial_not_the_registry(web: Web, tmp_path: Path) -> None:
    _search(web, "REDACTED-SN-7")  # warm: the token lookup and the state version
    _body, few_statements, few_rows = _search(web, "REDACTED-SN-7")
    _more_parties(web, tmp_path)
    _search(web, "REDACTED-SN-7")  # warm again: the import made a new state version
    body, statements, rows = _search(web, "REDACTED-SN-7")
    near = body["near"]
    assert isinstance(near, dict) and "REDACTED-SN-1" in [c["serial"] for c in near["candidates"]]
    # The same statements and about the same rows with 500 parties more: none of them is read.
    assert statements == few_statements, (few_statements, statements)
    assert rows <= few_rows + 10 and rows < MORE_PARTIES // 10, (few_rows, rows)


def test_a_reading_with_a_maker_still_resolves_it(web: Web) -> None:
    # Names given (trace's form): the registry's names are read, and a maker that made no such item rules it out.
    h = web.as_("investigator")
    made = web.client.get("/api/v1/trace", params={"serial": "REDACTED-SN-7", "manufacturer": "L3 Wescam"}, headers=h)
    assert made.status_code == 200
    assert "REDACTED-SN-1" in [c["serial"] for c in made.json()["near"]["candidates"]]
    other = web.client.get("/api/v1/trace", params={"serial": "REDACTED-SN-7", "manufacturer": "Baykar"}, headers=h)
    assert other.status_code == 200 and other.json()["near"] is None


def _near(web: Web, serial: str, manufacturer: str = "", model: str = "") -> tuple[Near, int, int]:
    # The service itself: the trace API caches its answers per state version, which would hide the reads.
    with counting(web.ew.engine) as reads, web.ew.reader() as uow:
        near = near_candidates(uow, serial, manufacturer, model)
    return near, reads.statements, reads.rows


def test_a_reading_with_maker_and_model_reads_the_names_it_gives_not_the_registry(web: Web, tmp_path: Path) -> None:
    # Exact names, a misspelt maker (tolerated among the makers of the items near the serial) and a maker of nothing
    # near it: each reads the same statements and about the same rows with 500 parties more.
    readings = {
        "exact": ("REDACTED-SN-7", "L3 Wescam", "CMX-15D"),
        "misspelt": ("REDACTED-SN-7", "L3 Wescan", ""),
        "other": ("REDACTED-SN-7", "Trading House 0001", "CMX-15D"),
    }
    before = {k: _near(web, *r) for k, r in readings.items()}
    _more_parties(web, tmp_path)
    after = {k: _near(web, *r) for k, r in readings.items()}
    for k in readings:
        (_, few_statements, few_rows), (_, statements, rows) = before[k], after[k]
        assert statements == few_statements, (k, few_statements, statements)
        assert rows <= few_rows + 10 and rows < MORE_PARTIES // 10, (k, few_rows, rows)
    exact, misspelt, other = (after[k][0] for k in readings)
    assert "REDACTED-SN-1" in [c.serial for c in exact.candidates], exact
    assert "REDACTED-SN-1" in [c.serial for c in misspelt.candidates], misspelt
    assert any("tolerating a small spelling difference" in n for n in misspelt.notes), misspelt.notes
    # The party exists (imported above) but made no item near the serial: nothing matches.
    assert other.candidates == () and other.tier is None, other
