"""Browser walk of an end-use check on a phone-sized screen: an investigator plans a check on the /checks page,
types the serials found one a line on the check's page, attaches a photo, records an unfavourable outcome and
sees the reconciliation; the result form fits the screen (no sideways scrolling). Playwright with Debian's
Chromium against a real server (tests/web/browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, screenshot, serving, sign_in
from tests.web.test_cases import PNG

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(demo_endwatch(tmp_path_factory.mktemp("browser-checks"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_check_recorded_on_a_phone(phone, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(phone, "investigator")
    phone.goto("/checks")
    form = phone.wait_for_selector("[data-testid=check-form]")
    form.query_selector("select[name=kind]").select_option("post-shipment")
    phone.fill("[data-testid=check-form] textarea[name=subjects]", "PERMIT-REDACTED-1")
    phone.fill("[data-testid=check-form] input[name=on]", "2020-10-01")
    phone.fill("[data-testid=check-form] input[name=inspector]", "inspector one")
    phone.fill("[data-testid=check-form] input[name=place]", "Naval base")
    phone.click("[data-testid=check-form] button[type=submit]")
    phone.wait_for_selector("[data-testid=result-form]")
    # The form fits a phone's width: nothing to scroll sideways to.
    assert phone.evaluate("document.querySelector('[data-testid=result-form]').scrollWidth") <= PHONE["width"]
    phone.fill("[data-testid=result-form] input[name=on]", "2020-10-02")
    phone.fill("[data-testid=result-form] textarea[name=serials]", "REDACTED-SN-1\nNOT-OURS-1\n")
    phone.fill("[data-testid=result-form] input[name=user]", "Azerbaijani Air Force")
    photo = tmp_path / "site.jpg"
    photo.write_bytes(PNG)
    phone.set_input_files("[data-testid=result-form] input[name=photos]", str(photo))
    phone.check("[data-testid=result-form] input[name=outcome][value=unfavourable]")
    phone.fill("[data-testid=result-form] textarea[name=reasons]", "seen with another force")
    phone.click("[data-testid=result-form] button[type=submit]")
    table = phone.wait_for_selector("[data-testid=reconciliation]")
    text = table.inner_text()
    assert "other-user" in text and "unexpected" in text and "NOT-OURS-1" in text
    assert phone.inner_text("[data-testid=photos]").startswith("site.png")  # named by its content
    assert "seen with another force" in phone.inner_text("[data-testid=outcome]")
    screenshot(phone, "check-on-a-phone.png")
