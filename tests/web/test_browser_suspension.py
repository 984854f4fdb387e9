"""Browser walk-through of the reference case, as a new user does it after `make run`: the record as it
stood on 4 October 2020 (before the suspension), detection run, so CASE-0001 recommends suspending the
two permits, holding the two pending applications and notifying the exporter. An officer goes from the
dashboard to the case, previews the suspension on 5 October 2020 and proposes it (nothing applied); an
approver signs in, opens the case from the dashboard, sees the proposal with what confirming it would do,
and confirms it: the second signature applies the decision.

The policy (services/authz.py) gives `enforcement.propose` to officers, approvers and administrators and
`enforcement.decide` to approvers and administrators; the proposer can never confirm their own proposal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tests.principals import person
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, new_page, screenshot, serving, sign_in

from endwatch.bootstrap import Endwatch
from endwatch.domain.permits import ApplicationStatus
from endwatch.services.detection import run as detection
from endwatch.services.enforcement import notify

pytestmark = needs_chromium

UNTIL = date(2020, 10, 4)  # as `make run` loads it: `endwatch demo --until 2020-10-04`


@pytest.fixture(scope="module")
def endwatch(tmp_path_factory: pytest.TempPathFactory) -> Endwatch:
    return demo_endwatch(tmp_path_factory.mktemp("suspension"), until=UNTIL,
                         prepare=lambda ew: detection.detect(ew, person("investigator"), reassess=True))


@pytest.fixture(scope="module")
def server(endwatch: Endwatch) -> Iterator[str]:
    with serving(endwatch) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    with new_page(browser, server) as pg:
        yield pg


def _open_case_from_dashboard(page: Any, username: str) -> None:
    sign_in(page, username)
    assert page.url.endswith("/")  # signing in opens the dashboard
    page.click("[data-testid=open-cases] >> text=CASE-0001")
    page.wait_for_selector("[data-testid=case-actions]")
    assert "/cases/CASE-0001" in page.url


def _statuses(page: Any) -> list[str]:
    rows = page.locator("[data-testid=case-actions] tbody tr")
    return [rows.nth(i).locator("td").nth(2).inner_text().strip() for i in range(rows.count())]


def test_officer_proposes_the_suspension_and_an_approver_confirms_it(page: Any, endwatch: Endwatch) -> None:
    _open_case_from_dashboard(page, "officer")
    actions = page.inner_text("[data-testid=case-actions]")
    for target in ("PERMIT-REDACTED-1", "PERMIT-REDACTED-2", "APP-REDACTED-3", "APP-REDACTED-4", "L3Harris Wescam"):
        assert target in actions
    assert set(_statuses(page)) == {"recommended"}
    # The date field says what it defaults to and when the case's sighting was made.
    assert "2020-10-01" in page.inner_text("[data-testid=date-hint]")

    # Today's date (2026) would suspend permits long expired: the preview says so before anything is written.
    page.click("[data-testid=decide-form] button[type=submit]")
    assert "had already expired" in page.inner_text("[data-testid=preview-warning]")

    page.select_option("[data-testid=decide-form] select[name=action]", "suspend")
    page.fill("[data-testid=decide-form] input[name=on]", "2020-10-05")
    page.click("[data-testid=decide-form] button[type=submit]")
    preview = page.inner_text("[data-testid=preview]")
    assert "Preview: suspend from 2020-10-05" in preview and "Nothing has been written" in preview
    assert "PERMIT-REDACTED-1" in preview and "PERMIT-REDACTED-2" in preview and "in force" in preview
    assert "APP-REDACTED-3" in preview and "APP-REDACTED-4" in preview and "L3Harris Wescam" in preview
    assert page.locator("[data-testid=preview-warning]").count() == 0
    # The form keeps the choice, so the officer sees what is being previewed.
    assert page.input_value("[data-testid=decide-form] input[name=on]") == "2020-10-05"
    # An officer proposes; there is no way to apply alone.
    assert page.locator("[data-testid=confirm]").count() == 0
    page.fill("[data-testid=propose] input[name=reason]", "items diverted to a party to the armed conflict")
    page.fill("[data-testid=propose] input[name=reference]", "minister's decision of 5 October 2020")
    assert page.is_checked("[data-testid=propose] input[name=hold_applications]")
    screenshot(page, "suspension-preview.png")

    page.click("[data-testid=propose] button[type=submit]")
    page.wait_for_selector("[data-testid=proposals]")
    proposal = page.inner_text("[data-testid=proposals]")
    assert "awaiting a second signature: suspend from 2020-10-05" in proposal
    assert "a different approver or administrator must confirm it" in proposal
    assert page.locator("[data-testid=confirm]").count() == 0 and page.locator("[data-testid=withdraw]").count() == 1
    # Nothing applied by the proposal.
    assert set(_statuses(page)) == {"recommended"}
    with endwatch.reader() as uow:
        assert all(c.status.value != "suspended" for p in uow.permits.list() for c in p.history)
        assert uow.enforcement.messages() == []

    # The approver signs in (one test, so that pytest-xdist cannot run this half on another worker's server),
    # finds the decision awaiting a second signature on the dashboard and opens the case from there.
    page.context.clear_cookies()
    sign_in(page, "approver")
    awaiting = page.inner_text("[data-testid=awaiting-signature]")
    assert "CASE-0001" in awaiting and "proposed by officer" in awaiting and "for you to confirm" in awaiting
    page.click("[data-testid=awaiting-signature] >> text=CASE-0001")
    page.wait_for_selector("[data-testid=proposals]")
    assert "/cases/CASE-0001" in page.url
    proposal = page.inner_text("[data-testid=proposals]")
    assert "Proposed by officer" in proposal and "minister's decision of 5 October 2020" in proposal
    seen = page.inner_text("[data-testid=proposal-preview]")
    assert "PERMIT-REDACTED-1" in seen and "PERMIT-REDACTED-2" in seen and "in force" in seen
    assert "APP-REDACTED-3" in seen and "APP-REDACTED-4" in seen and "L3Harris Wescam" in seen
    assert page.locator("[data-testid=reject]").count() == 1
    screenshot(page, "suspension-proposed.png")

    page.click("[data-testid=confirm] button[type=submit]")
    page.wait_for_selector("[data-testid=case-actions]")
    assert page.locator("[data-testid=confirm]").count() == 0
    assert set(_statuses(page)) == {"applied"}
    assert "applied as decision" in page.inner_text("[data-testid=proposal-history]")
    timeline = page.inner_text("[data-testid=case-timeline]")
    assert "suspend permits PERMIT-REDACTED-1, PERMIT-REDACTED-2" in timeline
    assert "confirmed by a second signature" in timeline
    assert "notification to" in timeline and "queued" in timeline
    screenshot(page, "suspension-applied.png")

    # The exporter's notification waits in the outbox (the web shows it on the timeline only).
    messages = notify.list_messages(endwatch.reader(), case_id="CASE-0001")
    assert [(m.party_id, m.status) for m in messages] == [("wescam", "pending")]
    with endwatch.reader() as uow:
        held = {a.number: a.status for a in uow.applications.list()}
        (decision,) = uow.enforcement.actions()
    assert held["APP-REDACTED-3"] is ApplicationStatus.ON_HOLD and held["APP-REDACTED-4"] is ApplicationStatus.ON_HOLD
    assert decision.decided_by == "approver"

    # The outcome, page by page.
    for number in ("PERMIT-REDACTED-1", "PERMIT-REDACTED-2"):
        page.click("nav >> text=Permits")
        page.click(f"text={number}")
        history = page.inner_text("[data-testid=status-history]")
        assert "2020-10-05 suspended" in history
    for number in ("APP-REDACTED-3", "APP-REDACTED-4"):
        page.click("nav >> text=Applications")
        page.click(f"text={number}")
        assert page.inner_text("[data-testid=application-status]") == "on hold"
