"""The list pages (permits, applications, parties) on the list repository: a GET filter form, sort links,
keyset paging by a next link, the total (labelled an estimate when not exact) and downloads of the filtered
list, audited; an exporter's pages hold only its own records (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from tests.web.conftest import Web

from endwatch.services.audit.verify import history


def _links(text: str, testid: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(rf'<a href="([^"]+)"[^>]*data-testid="{testid}"', text)]


def test_the_permits_page_filters_sorts_and_downloads(web: Web) -> None:
    c = web.sign_in("officer")
    page = c.get("/permits?exporter=wescam&as_of=2021-01-01&sort=-number")
    assert page.status_code == 200
    assert 'name="exporter" value="wescam"' in page.text and 'name="state"' in page.text  # the form keeps the filter
    numbers = re.findall(r'<a href="/permits/([^"?]+)\?as_of=2021-01-01"', page.text)
    assert numbers and numbers == sorted(numbers, reverse=True)
    assert "sort=number" in page.text  # the current column's link turns the order round
    csv_url = _links(page.text, "download-csv")[0]
    assert "exporter=wescam" in csv_url and "format=csv" in csv_url
    rows = list(csv.DictReader(io.StringIO(c.get(csv_url).text)))
    assert sorted(r["number"] for r in rows) == sorted(numbers) and all(r["exporter_id"] == "wescam" for r in rows)
    entry = history(web.ew.reader, "export", "permits")[-1]
    assert entry.actor == "officer" and entry.after["filters"]["exporter"] == "wescam"
    none = c.get("/permits?exporter=nobody")
    assert "0 permits" in none.text and "No permits." in none.text


def test_paging_by_next_link(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    import endwatch.web.pages as pages_module

    monkeypatch.setattr(pages_module, "PAGE_SIZE", 2)
    c = web.sign_in("admin")
    url: str | None = "/parties?sort=name"
    seen: list[str] = []
    pages = 0
    while url:
        text = c.get(url).text
        ids = re.findall(r'<tr><td><a href="/parties/([^"]+)"', text)
        assert len(ids) <= 2
        seen += ids
        nxt = _links(text, "next-page")
        url = nxt[0] if nxt else None
        pages += 1
    total = web.client.get("/api/v1/parties", headers=web.as_("admin")).json()["total"]
    assert len(seen) == len(set(seen)) == total and pages == (total + 1) // 2


def test_an_estimate_is_labelled(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    import endwatch.db.reporting.lists as sql_lists

    monkeypatch.setattr(sql_lists, "EXACT_UP_TO", 2)
    text = web.sign_in("admin").get("/parties").text
    assert "estimate" in text and "about" in text


def test_exporters_see_only_their_own_and_bad_filters_are_named(web: Web) -> None:
    c = web.sign_in("rival")
    text = c.get("/applications").text
    assert "APP-REDACTED-1" not in text
    rows = list(csv.DictReader(io.StringIO(c.get("/applications?format=csv").text)))
    assert all(r["exporter_id"] == "baykar" for r in rows)
    bad = web.sign_in("officer").get("/permits?issued_from=2020-13-01&sort=colour")
    assert bad.status_code == 422 and "issued_from" in bad.text and "colour" in bad.text
