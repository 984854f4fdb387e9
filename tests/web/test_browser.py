"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, no browser download)
against a real uvicorn server on 127.0.0.1, on a SQLite file with the reference case and demo accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, new_page, screenshot, serving, sign_in

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(demo_endwatch(tmp_path_factory.mktemp("browser"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with new_page(browser, server) as pg:
        yield pg


def test_investigator_traces_the_reference_serial(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "investigator")
    assert "investigator" in page.inner_text("[data-testid=signed-in-as]")
    page.goto("/trace")
    page.fill("input[name=serial]", "REDACTED-SN-1")
    page.fill("input[name=manufacturer]", "L3 Wescam")
    page.fill("input[name=model]", "CMX-15D")
    page.fill("input[name=as_of]", "2020-10-01")
    page.click("form.row button[type=submit]")
    hit = page.wait_for_selector("[data-testid=trace-hit]")
    text = hit.inner_text()
    assert "PERMIT-REDACTED-1" in text and "Baykar" in text and "in force" in text
    screenshot(page, "trace.png")
    page.click("text=PERMIT-REDACTED-1")
    page.wait_for_selector("[data-testid=status-history]")
    assert "suspended" in page.inner_text("[data-testid=status-history]")


def test_exporter_sees_only_its_own_permits(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "exporter")
    page.goto("/permits?as_of=2021-01-01")
    rows = page.locator("[data-testid=permits] tbody tr")
    # Parties are named by name; the id is the tooltip.
    cells = [rows.nth(i).locator("td").nth(2).locator("[title]") for i in range(rows.count())]
    exporters = [cell.get_attribute("title") for cell in cells]
    assert exporters and set(exporters) == {"wescam"}
    assert page.locator("nav a[href='/trace']").count() == 0  # (an exporter may read its trace requests)
    response = page.goto("/parties/baykar")
    assert response is not None and response.status == 403
    response = page.goto("/audit")
    assert response is not None and response.status == 403


def test_auditor_sees_the_verified_chain_and_public_sees_transparency(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/transparency")
    assert "Turkey" in page.inner_text("[data-testid=transparency]") or "Türkiye" in page.inner_text(
        "[data-testid=transparency]")
    page.goto("/map")
    assert page.locator("svg.map path").count() > 150
    page.goto("/permits")
    assert "/signin" in page.url
    sign_in(page, "auditor")
    page.goto("/audit")
    assert "intact" in page.inner_text("[data-testid=chain]")


def test_sign_in_refuses_a_wrong_password(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/signin")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "wrong username or password" in page.inner_text("[role=alert]")


def test_investigator_submits_a_sighting_and_opens_the_case(page) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_cases import NAMEPLATE, PNG

    sign_in(page, "investigator")
    page.goto("/sightings/new")
    for name in ("serial", "manufacturer", "model", "observed_user", "source"):
        page.fill(f"input[name={name}]", NAMEPLATE[name])
    page.fill("input[name=observed_on]", NAMEPLATE["observed_on"])
    page.select_option("select[name=country]", label="Azerbaijan")
    # No grade is chosen for the investigator: a form sent without one is held by the browser.
    assert page.eval_on_selector("select[name=reliability]", "s => s.value") == ""
    assert page.eval_on_selector("select[name=credibility]", "s => s.value") == ""
    page.click("[data-testid=sighting-form] button[type=submit]")
    assert page.url.endswith("/sightings/new")
    assert "usually reliable" in page.inner_text("select[name=reliability]")
    page.select_option("select[name=reliability]", "B")
    page.select_option("select[name=credibility]", "2")
    page.set_input_files("input[name=photo]", files=[{"name": "nameplate.png", "mimeType": "image/png",
                                                       "buffer": PNG}])
    page.click("[data-testid=sighting-form] button[type=submit]")
    assert page.inner_text("[data-testid=verdict]") == "diversion"
    page.click("[data-testid=case-link]")
    page.wait_for_selector("[data-testid=case-actions]")
    assert "PERMIT-REDACTED-1" in page.inner_text("[data-testid=case-actions]")
    assert page.locator(".thumbs img").count() == 1
    assert page.evaluate("document.querySelector('.thumbs img').naturalWidth") == 160  # the photo loads
    screenshot(page, "case.png")
    case_url = page.url
    page.goto("/")
    assert "Open cases" in page.inner_text("main")
    screenshot(page, "dashboard.png")

    # An officer previews the recommended suspension: nothing is written before confirming.
    page.context.clear_cookies()
    sign_in(page, "officer")
    page.goto(case_url)
    page.select_option("select[name=action]", "suspend")
    page.fill("input[name=on]", "2020-10-03")
    page.click("text=Preview")
    preview = page.inner_text("[data-testid=preview]")
    assert "Nothing has been written" in preview and "PERMIT-REDACTED-1" in preview


def test_approval_against_the_recommendation_takes_two_approvers(page) -> None:  # type: ignore[no-untyped-def]
    # The bundled case already records the October 2020 suspension, so the two-person step shown here is
    # the four-eyes approval of a pending application against its assessment's recommendation.
    sign_in(page, "officer")
    page.goto("/applications/APP-REDACTED-4?as_of=2020-10-02")
    assert page.inner_text("[data-testid=recommendation]") in ("refer", "deny")
    assert page.locator("[data-testid=decide]").count() == 0  # officers assess, approvers decide
    page.context.clear_cookies()
    sign_in(page, "approver")
    page.goto("/applications/APP-REDACTED-4?as_of=2020-10-02")
    page.select_option("[data-testid=decide] select[name=decision]", "approve")
    page.fill("[data-testid=decide] input[name=reason]", "browser test")
    page.fill("[data-testid=decide] input[name=justification]", "exceptional grounds stated in writing")
    page.click("[data-testid=decide] button[type=submit]")
    page.wait_for_selector("[data-testid=countersign]")
    assert "awaiting a second signature" in page.inner_text("[data-testid=decisions]")
    page.context.clear_cookies()
    sign_in(page, "admin")
    page.goto("/applications/APP-REDACTED-4?as_of=2020-10-02")
    page.fill("[data-testid=countersign] input[name=reason]", "agreed")
    page.click("[data-testid=countersign] button[type=submit]")
    page.wait_for_selector("[data-testid=application-status]")
    assert page.inner_text("[data-testid=application-status]") == "approved"
