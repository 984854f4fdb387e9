"""Exports of filtered lists: CSV and XLSX (read back with openpyxl), formula-safe, in the caller's scope,
and audited (who exported which list, filters, rows), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from tests.web.conftest import Web

from endwatch.services.audit.verify import history


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_of_a_filtered_list_is_audited(web: Web) -> None:
    h = web.as_("officer")
    listed = web.client.get("/api/v1/permits?as_of=2021-01-01&exporter=wescam", headers=h).json()
    r = web.client.get("/api/v1/permits?as_of=2021-01-01&exporter=wescam&format=csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _csv(r.text)
    assert [x["number"] for x in rows] == [p["number"] for p in listed["items"]] and rows
    assert all(x["exporter_id"] == "wescam" for x in rows)
    assert {"state", "delivered", "destination", "quantity"} <= set(rows[0])
    entries = history(web.ew.reader, "export", "permits")
    assert entries[-1].actor == "officer" and entries[-1].action == "list.export"
    assert entries[-1].after["filters"] == {"as_of": "2021-01-01", "exporter": "wescam"}
    assert entries[-1].after["rows"] == len(rows) and entries[-1].after["format"] == "csv"


def test_xlsx_export_opens_in_openpyxl(web: Web) -> None:
    r = web.client.get("/api/v1/deliveries?format=xlsx", headers=web.as_("admin"))
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("permit_number", "delivered_on", "serial", "recipient_id")
    total = web.client.get("/api/v1/deliveries", headers=web.as_("admin")).json()["total"]
    assert len(values) - 1 == total >= 1


def test_exporters_export_only_their_own(web: Web) -> None:
    for who, count in (("exporter", 1), ("rival", 0)):
        rows = _csv(web.client.get("/api/v1/deliveries?format=csv", headers=web.as_(who)).text)
        assert len(rows) == count
    rows = _csv(web.client.get("/api/v1/applications?format=csv", headers=web.as_("rival")).text)
    assert all(x["exporter_id"] == "baykar" for x in rows)


def test_cells_are_formula_safe(web: Web) -> None:
    # An audit reason is free text a user typed: a formula in it stays text in the export.
    from tests.principals import person

    from endwatch.services.authz import Action
    from endwatch.services.gate import write
    with write(web.ew.uow(), person("admin"), Action.PARTIES_WRITE) as w:
        w.record(action="note", entity="party", key="x", reason="=HYPERLINK(\"http://evil\")")
    rows = _csv(web.client.get("/api/v1/audit?format=csv&entity=party&entity_key=x",
                               headers=web.as_("admin")).text)
    assert rows[0]["reason"].startswith("'=")


def test_bad_format_is_422(web: Web) -> None:
    r = web.client.get("/api/v1/products?format=pdf", headers=web.as_("admin"))
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "query.format"
