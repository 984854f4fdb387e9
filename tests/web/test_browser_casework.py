"""Browser walk of case work (Playwright, Debian's Chromium, a real server): an investigator opens a case,
adds a note, uploads a photo as evidence (previewed), puts a question to a party with a due date, closes the
case with a reason and reopens it, each through the page's own forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.principals import person
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, new_page, screenshot, serving, sign_in
from tests.web.test_cases import PNG

from endwatch.services.detection.run import detect

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    decided = demo_endwatch(tmp_path_factory.mktemp("browser-casework"),
                            prepare=lambda ew: detect(ew, person("browser-test")))  # a case is open
    with serving(decided) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with new_page(browser, server) as pg:
        yield pg


def test_case_work_through_the_forms(page: Any) -> None:
    sign_in(page, "investigator")
    page.goto("/cases?status=open")
    page.locator("table[data-testid=cases] tbody a[href^='/cases/']").first.click()
    page.wait_for_selector("[data-testid=case-work]")
    case_url = page.url

    page.fill("[data-testid=add-note] textarea[name=text]", "Asked the embassy for the delivery papers.")
    page.click("[data-testid=add-note] button[type=submit]")
    # (the case page again, after the form's redirect: wait for the note itself, not for the same URL)
    page.wait_for_selector("[data-testid=case-notes] >> text=Asked the embassy for the delivery papers.")

    page.set_input_files("[data-testid=upload-evidence] input[name=file]",
                         files=[{"name": "turret.png", "mimeType": "image/png", "buffer": PNG}])
    page.fill("[data-testid=upload-evidence] input[name=description]", "turret close-up")
    page.click("[data-testid=upload-evidence] button[type=submit]")
    page.wait_for_selector("#evidence img[alt='turret.png']")
    assert page.evaluate("document.querySelector(\"#evidence img[alt='turret.png']\").naturalWidth") == 160

    page.click("[data-testid=new-inquiry]")
    page.wait_for_selector("select[name=to]")
    page.select_option("select[name=to]", index=1)
    page.fill("textarea[name=question]", "Where is the turret now?")
    page.fill("input[name=due_on]", "2099-01-31")
    page.click("form button[type=submit] >> text=Record the inquiry")
    page.wait_for_selector("[data-testid=case-inquiries] >> text=Where is the turret now?")
    assert "2099-01-31" in page.inner_text("[data-testid=case-inquiries]")

    page.fill("[data-testid=close] input[name=reason]", "diversion reported to the committee")
    page.click("[data-testid=close] button[type=submit]")
    page.wait_for_selector("[data-testid=reopen]")
    assert "Closed on" in page.inner_text("[data-testid=case-work]")
    assert page.locator("[data-testid=close]").count() == 0
    screenshot(page, "case-closed.png")

    page.fill("[data-testid=reopen] input[name=reason]", "a second sighting came in")
    page.click("[data-testid=reopen] button[type=submit]")
    page.wait_for_selector("[data-testid=close]")
    assert "Closed on" not in page.inner_text("[data-testid=case-work]")
    screenshot(page, "case-work.png")
    case_id = case_url.rstrip("/").rsplit("/", 1)[1]
    page.goto("/cases?status=open")
    assert case_id in page.inner_text("table[data-testid=cases]")
