"""Bulk sighting upload from the web (CSV or XLSX told by content, validated whole, every problem named by
row and column, all or nothing) and the photos shown on a sighting's page, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import datetime

from openpyxl import Workbook
from tests.web.conftest import Web, csrf_of
from tests.web.test_cases import NAMEPLATE, PNG

from endwatch.services.audit.verify import history

HEADER = "id,observed_on,serial,reliability,credibility,country,observed_user,manufacturer,model,source\n"
GOOD = (HEADER + "UP-1,2020-10-01,REDACTED-SN-1,B,2,AZ,Azerbaijani Air Force,L3 Wescam,CMX-15D,field report\n"
        "UP-2,2020-09-20,NOBODY-999,C,3,TR,,,,=cmd\n")


def _upload(web: Web, name: str, content: bytes, csrf: bool = True) -> tuple[int, str]:
    c = web.client
    form = c.get("/sightings/upload")
    data = {"csrf_token": csrf_of(form.text)} if csrf else {}
    r = c.post("/sightings/upload", data=data, files={"file": (name, content, "application/octet-stream")})
    return r.status_code, r.text


def _count(web: Web) -> int:
    return int(web.client.get("/api/v1/sightings", headers=web.as_("admin")).json()["total"])


def test_a_csv_file_is_recorded_and_decided(web: Web) -> None:
    web.sign_in("investigator")
    before = _count(web)
    status, text = _upload(web, "field.csv", GOOD.encode())
    assert status == 200 and 'data-testid="upload-done"' in text and "2 sightings recorded" in text
    assert _count(web) == before + 2
    listed = web.client.get("/api/v1/sightings?serial=REDACTED-SN-1", headers=web.as_("admin")).json()
    [up] = [s for s in listed["items"] if s["id"] == "UP-1"]
    assert up["verdict"] == "diversion" and up["case_id"]
    assert f"/cases/{up['case_id']}" in text and "unmatched" in text
    [entry] = [e for e in history(web.ew.reader, "sightings", "field.csv") if e.action == "sighting.upload"]
    assert entry.after["ids"] == ["UP-1", "UP-2"] and entry.after["format"] == "csv"
    stored = web.client.get("/api/v1/sightings?serial=NOBODY-999", headers=web.as_("admin")).json()["items"][0]
    assert stored["source"] == "=cmd"  # text as written (exports neutralise it, tests/web/test_case_lists.py)


def test_an_xlsx_workbook_is_read_by_its_content(web: Web) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "observed_on", "serial", "reliability", "credibility", "country"])
    sheet.append(["X-1", datetime(2020, 9, 1), "NOBODY-1", "A", 2, "TR"])  # a date cell and a number cell
    sheet.append([None, None, None, None, None, None])  # a blank row is skipped
    sheet.append(["X-2", "2020-09-02", "NOBODY-2", "F", "6", None])
    out = io.BytesIO()
    book.save(out)
    web.sign_in("investigator")
    status, text = _upload(web, "sightings.csv", out.getvalue())  # the name says CSV; the content is XLSX
    assert status == 200, text
    assert "(XLSX)" in text
    got = web.client.get("/api/v1/sightings?sort=id&observed_to=2020-09-02&observed_from=2020-09-01",
                         headers=web.as_("admin")).json()["items"]
    assert [(s["id"], s["observed_on"], s["credibility"]) for s in got] == [("X-1", "2020-09-01", "2"),
                                                                              ("X-2", "2020-09-02", "6")]


def test_any_problem_records_nothing_and_names_row_and_column(web: Web) -> None:
    web.sign_in("investigator")
    before, entries = _count(web), len(web.client.get("/api/v1/audit", headers=web.as_("admin")).json()["items"])
    bad = (HEADER + "B-1,2020-10-01,SN-OK,B,2,AZ,,,,\n"
           "B-2,2020-02-30,SN-2,B,2,AZ,,,,\n"          # row 3: no such date
           "B-3,2020-10-01,SN-3,G,2,AZ,,,,\n"          # row 4: no grade G
           "B-1,2020-10-01,SN-4,B,2,AZ,,,,\n"          # row 5: id again
           "B-6,2020-10-01,SN-6,B,2,XX,,,,\n")         # row 6: unknown country
    status, text = _upload(web, "bad.csv", bad.encode())
    assert status == 422 and "Nothing was recorded" in text
    rows = re.findall(r"<tr><td>(\d*)</td><td>([^<]*)</td><td>", text.split('data-testid="upload-problems"')[1])
    assert ("3", "observed_on") in rows and ("4", "reliability") in rows and ("5", "id") in rows
    assert ("6", "country") in rows
    assert _count(web) == before  # not even the good first row
    assert len(web.client.get("/api/v1/audit", headers=web.as_("admin")).json()["items"]) == entries


def test_files_that_are_neither_or_repeat_stored_ids_are_refused(web: Web) -> None:
    web.sign_in("investigator")
    before = _count(web)
    status, text = _upload(web, "photo.csv", PNG)
    assert status == 422 and "neither CSV" in text
    status, text = _upload(web, "fake.xlsx", b"PK\x03\x04 not really a workbook")
    assert status == 422 and "not a readable XLSX" in text
    status, text = _upload(web, "empty.csv", HEADER.encode())
    assert status == 422 and "no sightings in the file" in text
    missing = "id,observed_on,serial\nM-1,2020-10-01,SN\n"
    status, text = _upload(web, "short.csv", missing.encode())
    assert status == 422 and "reliability" in text and "credibility" in text
    assert _upload(web, "field.csv", GOOD.encode())[0] == 200
    status, text = _upload(web, "again.csv", GOOD.encode())
    assert status == 422 and "already recorded" in text
    assert _count(web) == before + 2


def test_upload_needs_the_form_token_and_the_right(web: Web) -> None:
    web.sign_in("investigator")
    assert _upload(web, "field.csv", GOOD.encode(), csrf=False)[0] == 403
    web.sign_in("officer")  # reads sightings, records none
    assert web.client.get("/sightings/upload").status_code == 403


def test_photos_show_on_the_sighting_page(web: Web) -> None:
    c = web.sign_in("investigator")
    pages = []
    for data in (NAMEPLATE, {**NAMEPLATE, "serial": "NOBODY-777", "observed_user": ""}):  # with a case, without
        form = c.get("/sightings/new")
        r = c.post("/sightings/new", data={"csrf_token": csrf_of(form.text), **data},
                   files={"photo": ("plate.png", PNG, "image/png")}, follow_redirects=False)
        assert r.status_code == 303, r.text
        pages.append(r.headers["location"])
    for page in pages:
        text = c.get(page).text
        [src] = re.findall(r'<img src="(/sightings/[^"]+/photos/[0-9a-f]{64})"', text)
        photo = c.get(src)
        assert photo.status_code == 200 and photo.content == PNG and photo.headers["content-type"] == "image/png"
        assert c.get(src[:-64] + "0" * 64).status_code == 404
    other = pages[1] + "/photos/" + re.findall(r"/photos/([0-9a-f]{64})", c.get(pages[0]).text)[0]
    assert c.get(other).status_code == 200  # the same bytes (same digest) are also this sighting's photo
    web.sign_in("exporter")
    assert web.client.get(src).status_code == 403
