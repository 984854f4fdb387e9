"""Layout from 360 to 1920 px, in a real browser (Playwright, Debian's Chromium, a real server): a phone
walk-through at 390 px (the navigation folded behind Menu, no page wider than the screen, wide tables
scrolling inside their box, search, a sighting and its case), the transparency chart's axis and values, and
the map's legend, counts and zoom; no page overflows at 360, 1366 or 1920 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.principals import person
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, screenshot, serving, sign_in

from endwatch.services.detection.run import detect

pytestmark = needs_chromium

PAGES = ["/", "/sightings", "/findings", "/cases", "/permits", "/applications", "/deliveries", "/parties",
         "/audit", "/inquiries", "/outbox", "/transparency", "/map", "/glossary", "/trace?serial=REDACTED-SN-1"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The demo's sightings decided, so that a case is open to walk to; every figure published (thresholds of
    # one), so that the chart and the map have something to draw.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENDWATCH_MIN_CELL_PERMITS", "1")
        mp.setenv("ENDWATCH_MIN_CELL_EXPORTERS", "1")
        decided = demo_endwatch(tmp_path_factory.mktemp("browser-layout"),
                                prepare=lambda ew: detect(ew, person("browser-test")))
    with serving(decided) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, server: str, width: int) -> Any:
    context = browser.new_context(base_url=server, viewport={"width": width, "height": 844},
                                  is_mobile=width < 500, has_touch=width < 500)
    return context, context.new_page()


def _overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_phone_walk_through_at_390px(browser: Any, server: str) -> None:
    context, page = _page(browser, server, 390)
    try:
        sign_in(page, "investigator")
        nav = page.locator("[data-testid=main-nav]")
        assert not nav.is_visible() and page.locator("[data-testid=menu-button]").is_visible()
        assert _overflow(page) <= 0
        screenshot(page, "phone-dashboard.png")
        page.click("[data-testid=menu-button]")
        assert nav.is_visible()
        screenshot(page, "phone-menu.png")
        nav.get_by_role("link", name="Sightings").click()
        page.wait_for_url("**/sightings")
        assert _overflow(page) <= 0
        box = page.locator(".table-scroll").first
        # the table is wider than the phone: it scrolls inside its box, the page does not
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
        page.locator("table[data-testid=sightings] tbody a[href^='/sightings/']").first.click()
        page.wait_for_url("**/sightings/*")
        assert "Sighting" in page.inner_text("h1") and _overflow(page) <= 0
        page.click("[data-testid=menu-button]")
        page.locator("[data-testid=main-nav]").get_by_role("link", name="Cases").click()
        page.wait_for_url("**/cases")
        page.locator("table[data-testid=cases] tbody a[href^='/cases/']").first.click()
        page.wait_for_selector("[data-testid=case-work]")
        assert _overflow(page) <= 0
        screenshot(page, "phone-case.png")
        page.fill("[data-testid=search-box]", "REDACTED-SN-7")
        page.press("[data-testid=search-box]", "Enter")
        assert "REDACTED-SN-1" in page.wait_for_selector("[data-testid=search-near]").inner_text()
        assert _overflow(page) <= 0
    finally:
        context.close()


def test_chart_has_an_axis_and_values_and_the_map_a_legend_counts_and_zoom(browser: Any, server: str) -> None:
    context, page = _page(browser, server, 390)
    try:
        sign_in(page, "officer")
        page.goto("/transparency")
        chart = page.locator("[data-testid=year-chart]")
        assert chart.is_visible()
        ticks = [t.text_content() for t in page.locator("[data-testid=y-tick]").all()]
        assert ticks[0] == "0" and len(ticks) >= 2
        values = [int(v.text_content() or "-1") for v in page.locator("[data-testid=bar-value]").all()]
        assert values and max(values) == int(ticks[-1])  # the tallest bar reaches the top of the axis
        page.goto("/map")
        legend = page.locator("[data-testid=map-legend]").inner_text()
        assert "no published permits" in legend and "sightings" in legend
        counts = page.locator("[data-testid=map-counts] tbody tr").all()
        assert counts and "Türkiye" in page.locator("[data-testid=map-counts]").inner_text()
        world = page.get_attribute("[data-testid=map]", "viewBox")
        page.locator("[data-testid=map-zoom]").get_by_role("link", name="Middle East and Caucasus").click()
        page.wait_for_url("**/map?region=middle-east")
        assert page.get_attribute("[data-testid=map]", "viewBox") != world
        assert _overflow(page) <= 0
        screenshot(page, "phone-map.png")
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1366, 1920])
def test_no_page_is_wider_than_the_window(browser: Any, server: str, width: int) -> None:
    context, page = _page(browser, server, width)
    try:
        sign_in(page, "admin")
        wide = []
        for path in PAGES:
            page.goto(path)
            if _overflow(page) > 0:
                wide.append((path, _overflow(page)))
        assert not wide, wide
        nav_visible = page.locator("[data-testid=main-nav]").is_visible()
        assert nav_visible == (width > 760)
    finally:
        context.close()
