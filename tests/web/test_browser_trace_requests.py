"""Browser walk of a trace request: an investigator opens one to the exporter from the form; the exporter, in its
portal, finds it under Trace requests, attaches a photograph and answers; the investigator sees it answered on
time and the report counts it. Playwright with Debian's Chromium against a real server
(tests/web/browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, new_page, screenshot, serving, sign_in

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(demo_endwatch(tmp_path_factory.mktemp("browser-trace-requests"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_investigator_asks_and_the_exporter_answers_in_its_portal(browser: Any, server: str,
                                                                     tmp_path: Path) -> None:
    with new_page(browser, server) as page:
        sign_in(page, "investigator")
        page.click("nav >> text=Trace requests")
        page.click("text=Open a trace request")
        form = page.wait_for_selector("[data-testid=trace-request-form]")
        page.select_option("select[name=counterpart_kind]", "exporter")
        page.select_option("select[name=party_id]", "wescam")
        page.fill("textarea[name=serials]", "REDACTED-SN-1")
        page.fill("input[name=on]", "2026-11-01")
        form.query_selector("button[type=submit]").click()
        page.wait_for_selector("[data-testid=standing]")
        assert page.url.endswith("/trace-requests/TR-2026-0001")
        assert "2026-11-29" in page.content()  # due 28 days after it was opened
    photo = tmp_path / "depot.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"a photograph of the turret at the depot" * 20)
    with new_page(browser, server) as page:
        sign_in(page, "exporter")
        page.click("nav >> text=Trace requests")
        rows = page.inner_text("[data-testid=trace-requests]")
        assert "TR-2026-0001" in rows and "REDACTED-SN-1" in rows
        page.click("text=TR-2026-0001")
        page.set_input_files("[data-testid=file-form] input[type=file]", str(photo))
        page.fill("[data-testid=file-form] input[name=description]", "at the naval depot")
        page.click("[data-testid=file-form] button[type=submit]")
        page.wait_for_selector("text=depot.jpg")
        page.fill("[data-testid=answer-form] textarea[name=text]", "Delivered to the navy; still at its depot.")
        page.fill("[data-testid=answer-form] input[name=on]", "2026-11-20")
        page.click("[data-testid=answer-form] button[type=submit]")
        answer = page.wait_for_selector("[data-testid=answer]")
        assert "still at its depot" in answer.inner_text()
        assert "answered on time" in page.inner_text("[data-testid=standing]")
        screenshot(page, "trace-request-answered.png")
    with new_page(browser, server) as page:
        sign_in(page, "investigator")
        page.goto("/trace-requests/report?as_of=2026-12-31")
        report = page.inner_text("[data-testid=report]")
        assert "L3Harris Wescam" in report
