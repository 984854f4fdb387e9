"""The lists of detection and case work in SQL (sightings, findings, cases, inquiries, the outbox): filters,
sort, keyset paging, totals, CSV/XLSX exports (audited, formula-safe, in the caller's scope) on the API and on
the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from tests.principals import person
from tests.web.conftest import Web

from endwatch.services.audit.verify import history
from endwatch.services.casefiles.inquiries import ask

DIVERSION = {"observed_on": "2020-10-01", "serial": "REDACTED-SN-1", "manufacturer": "L3 Wescam",
             "model": "CMX-15D", "country": "AZ", "observed_user": "Azerbaijani Air Force", "reliability": "B",
             "credibility": "2", "source": "=HYPERLINK(\"http://evil\")"}
UNMATCHED = {"observed_on": "2020-09-20", "serial": "NOBODY-999", "country": "TR", "reliability": "C",
             "credibility": "3"}


@pytest.fixture
def world(web: Web) -> Web:
    """Besides the reference case's nameplate sighting (its case: CASE-0002), a diversion (it opens CASE-0001),
    an unmatched sighting, and two inquiries on CASE-0001: one to the exporter wescam sent through the outbox,
    one to baykar."""
    h = web.as_("investigator")
    assert web.client.post("/api/v1/sightings", headers=h, json=DIVERSION).status_code == 201
    assert web.client.post("/api/v1/sightings", headers=h, json=UNMATCHED).status_code == 201
    ask(web.ew.uow(), person("investigator"), "CASE-0001", "wescam", "Where is the turret?", date(2020, 10, 2),
        send=True, due_on=date(2020, 10, 9))
    ask(web.ew.uow(), person("investigator"), "CASE-0001", "baykar", "Who fitted it?", date(2020, 10, 3))
    return web


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_sightings_filter_by_verdict_and_carry_their_case(world: Web) -> None:
    h = world.as_("officer")
    every = world.client.get("/api/v1/sightings", headers=h).json()
    assert every["total"] == 3 and every["total_exact"]
    assert [s["observed_on"] for s in every["items"]] == ["2020-10-01", "2020-10-01", "2020-09-20"]  # newest first
    diverted = world.client.get("/api/v1/sightings?verdict=diversion", headers=h).json()
    assert diverted["total"] == 2 and {s["case_id"] for s in diverted["items"]} == {"CASE-0001", "CASE-0002"}
    assert {s["verdict"] for s in diverted["items"]} == {"diversion"}
    by_country = world.client.get("/api/v1/sightings?country=TR&sort=observed_on", headers=h).json()
    assert [s["serial"] for s in by_country["items"]] == ["NOBODY-999"]
    assert world.client.get("/api/v1/sightings?case=CASE-0001", headers=h).json()["total"] == 1


def test_keyset_paging_walks_findings_once(world: Web) -> None:
    h = world.as_("officer")
    seen: list[str] = []
    url = "/api/v1/findings?limit=1"
    while True:
        page = world.client.get(url, headers=h).json()
        assert page["total"] == 3 and len(page["items"]) == 1
        seen.append(page["items"][0]["sighting_id"])
        if page["next"] is None:
            break
        url = f"/api/v1/findings?limit=1&after={page['next']}"
    assert len(seen) == len(set(seen)) == 3
    only = world.client.get("/api/v1/findings?verdict=unmatched", headers=h).json()
    assert [f["verdict"] for f in only["items"]] == ["unmatched"]


def test_cases_inquiries_and_outbox_filter(world: Web) -> None:
    h = world.as_("admin")
    assert world.client.get("/api/v1/cases?status=open", headers=h).json()["total"] == 2
    assert world.client.get("/api/v1/cases?status=closed", headers=h).json()["total"] == 0
    assert world.client.get("/api/v1/cases?opened_from=2099-01-01", headers=h).json()["total"] == 0
    asked = world.client.get("/api/v1/inquiries?answered=no&sort=asked_on", headers=h).json()
    assert [q["to_party"] for q in asked["items"]] == ["wescam", "baykar"]
    overdue = world.client.get("/api/v1/inquiries?overdue_on=2020-10-10", headers=h).json()
    assert [q["to_party"] for q in overdue["items"]] == ["wescam"]
    box = world.client.get("/api/v1/outbox?status=pending&kind=inquiry", headers=h).json()
    assert box["total"] == 1 and box["items"][0]["party_id"] == "wescam" and box["items"][0]["case_id"] == "CASE-0001"
    assert world.client.get("/api/v1/outbox?status=sent", headers=h).json()["total"] == 0


def test_bad_filters_are_named(world: Web) -> None:
    h = world.as_("admin")
    r = world.client.get("/api/v1/sightings?verdict=lost&observed_from=2020-02-30&sort=colour", headers=h)
    assert r.status_code == 422
    assert {p["column"] for p in r.json()["problems"]} == {"query.verdict", "query.observed_from", "query.sort"}
    r = world.client.get("/api/v1/outbox?status=lost", headers=h)
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "query.status"


@pytest.mark.parametrize("kind", ["sightings", "findings", "cases", "inquiries", "outbox"])
def test_exports_are_audited_and_open_in_openpyxl(world: Web, kind: str) -> None:
    h = world.as_("admin")
    total = world.client.get(f"/api/v1/{kind}", headers=h).json()["total"]
    rows = _csv(world.client.get(f"/api/v1/{kind}?format=csv", headers=h).text)
    assert len(rows) == total >= 1
    r = world.client.get(f"/api/v1/{kind}?format=xlsx", headers=h)
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(rows[0]) and len(values) - 1 == total
    entry = history(world.ew.reader, "export", kind)[-1]
    assert entry.action == "list.export" and entry.actor == "admin" and entry.after["rows"] == total


def test_sighting_export_is_formula_safe_with_its_verdict(world: Web) -> None:
    rows = _csv(world.client.get("/api/v1/sightings?format=csv&case=CASE-0001", headers=world.as_("officer")).text)
    [row] = rows
    assert row["source"].startswith("'=") and row["verdict"] == "diversion" and row["case_id"] == "CASE-0001"
    assert row["reliability"] == "B" and row["serial"] == "REDACTED-SN-1"


def test_an_exporter_exports_only_its_inquiries_without_the_case(world: Web) -> None:
    rows = _csv(world.client.get("/api/v1/inquiries?format=csv", headers=world.as_("exporter")).text)
    assert [r["to_party"] for r in rows] == ["wescam"] and rows[0]["case_id"] == "" and rows[0]["asked_by"] == ""
    rows = _csv(world.client.get("/api/v1/inquiries?format=csv", headers=world.as_("rival")).text)
    assert [r["to_party"] for r in rows] == ["baykar"]
    listed = world.client.get("/api/v1/inquiries?to_party=baykar", headers=world.as_("exporter")).json()
    assert listed["total"] == 0  # another company's filter finds nothing of theirs
    # nor may an exporter learn an inquiry's case by filtering on it
    r = world.client.get("/api/v1/inquiries?case=CASE-0001", headers=world.as_("exporter"))
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "query.case"
    assert world.client.get("/api/v1/inquiries?case=CASE-0001&format=csv",
                            headers=world.as_("exporter")).status_code == 422
    for kind in ("sightings", "findings", "cases", "outbox"):
        assert world.client.get(f"/api/v1/{kind}?format=csv", headers=world.as_("exporter")).status_code == 403
    assert world.client.get("/api/v1/outbox", headers=world.as_("investigator")).status_code == 403
    page = world.sign_in("exporter").get("/inquiries")
    assert page.status_code == 200 and "Where is the turret?" in page.text and 'name="case"' not in page.text


def test_pages_filter_sort_and_download(world: Web) -> None:
    c = world.sign_in("admin")
    page = c.get("/sightings?verdict=diversion")
    assert page.status_code == 200 and "REDACTED-SN-1" in page.text and "NOBODY-999" not in page.text
    assert "2 sightings" in page.text and 'data-testid="download-xlsx"' in page.text
    assert "/cases/CASE-0001" in page.text
    assert "S-20200920-1" in c.get("/findings?verdict=unmatched").text
    assert "CASE-0001" in c.get("/cases?status=open").text and "No cases." in c.get("/cases?status=closed").text
    outbox = c.get("/outbox")
    assert outbox.status_code == 200 and "pending" in outbox.text and "/cases/CASE-0001" in outbox.text
    assert 'name="case"' in c.get("/inquiries").text
    inquiries = c.get("/inquiries?to_party=baykar")
    assert "Who fitted it?" in inquiries.text and "Where is the turret?" not in inquiries.text
    download = c.get("/cases?status=open&format=csv")
    assert [r["id"] for r in _csv(download.text)] == ["CASE-0001", "CASE-0002"]
    [sighting_id] = re.findall(r'<a href="/sightings/(S-[^"]+)"', page.text)
    sighting = c.get(f"/sightings/{sighting_id}")
    assert sighting.status_code == 200 and "REDACTED-SN-1" in sighting.text and "CASE-0001" in sighting.text
    assert c.get("/sightings/S-nothing").status_code == 404
