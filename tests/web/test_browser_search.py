"""Browser walk of daily work: a misread serial typed in the header's search box shows its near candidate,
which opens; the permits list filtered through its form downloads the filtered list as XLSX (opened with
openpyxl). Playwright with Debian's Chromium against a real server (tests/web/browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, new_page, screenshot, serving, sign_in

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(demo_endwatch(tmp_path_factory.mktemp("browser-search"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with new_page(browser, server) as pg:
        yield pg


def test_search_a_misread_serial_and_open_its_near_candidate(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "investigator")
    page.fill("[data-testid=search-box]", "REDACTED-SN-7")  # one character misread
    page.press("[data-testid=search-box]", "Enter")
    near = page.wait_for_selector("[data-testid=search-near]")
    text = near.inner_text()
    assert "one character different" in text and "REDACTED-SN-1" in text
    screenshot(page, "search-near.png")
    page.click("[data-testid=search-near] >> text=REDACTED-SN-1")
    hit = page.wait_for_selector("[data-testid=trace-hit]")
    assert "PERMIT-REDACTED-1" in hit.inner_text()


def test_filter_permits_and_download_the_xlsx(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "officer")
    page.goto("/permits")
    # The filters read in words (the parameters keep their names): a label, a hint, choices in words.
    form = page.locator("[data-testid=list-filters]")
    assert form.get_by_label("End user").get_attribute("name") == "end_user"
    assert form.get_by_label("Control-list entry").get_attribute("placeholder") == "e.g. ML15"
    assert "in force" in form.get_by_label("State on the day").inner_text()
    assert "_" not in form.inner_text()
    # An officer types the exporter's name (an id works as well); the form says which party it is on.
    page.fill("[data-testid=list-filters] input[name=exporter]", "L3Harris Wescam")
    page.fill("[data-testid=list-filters] input[name=as_of]", "2021-01-01")
    page.click("[data-testid=list-filters] button[type=submit]")
    page.wait_for_url("**/permits?*exporter=L3Harris+Wescam*")
    assert page.inner_text("[data-testid=filter-on]") == "L3Harris Wescam"
    shown = [a.inner_text() for a in page.query_selector_all("table[data-testid=permits] tbody td:first-child a")]
    assert shown and "permits" in page.inner_text("[data-testid=list-total]")
    with page.expect_download() as info:
        page.click("[data-testid=download-xlsx]")
    path = tmp_path / "permits.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    numbers = [r[header.index("number")] for r in rows[1:]]
    assert sorted(numbers) == sorted(shown)
    assert {r[header.index("exporter_id")] for r in rows[1:]} == {"wescam"}
