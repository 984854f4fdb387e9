"""Browser walk of a partner exchange run from the web: an officer starts an exchange on /partners, downloads the
request file, the partner's endwatch (another database) answers it, the officer uploads the reply on the exchange's
page and sees our matched item with its tier and trace request, and downloads the final file for the partner.
Playwright with Debian's Chromium against a real server (tests/web/browser_support.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXED_NOW
from tests.factories import ACTOR, permit, small_world
from tests.principals import person
from tests.web.browser_support import chromium, demo_endwatch, needs_chromium, serving, sign_in

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.services.monitoring import partners
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.permits import issue_permit
from endwatch.settings import load_settings

pytestmark = needs_chromium
B_CONF = partners.Config("authority-b", partners.Limits(4096, 4))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def prepare(ew: Endwatch) -> None:
        partners.add_partner(ew.uow(), person("fixture"), "authority-b", "Partner B")

    with pytest.MonkeyPatch.context() as env:
        env.setenv("ENDWATCH_AUTHORITY", "authority-a")
        ew = demo_endwatch(tmp_path_factory.mktemp("browser-partners"), prepare=prepare)
    with serving(ew) as url:
        yield url


@pytest.fixture
def partner_b(sqlite_template: Path, tmp_path: Path) -> Iterator[Endwatch]:
    shutil.copy(sqlite_template, tmp_path / "b.db")
    b = bootstrap(load_settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", home=tmp_path / "b"),
                  clock=lambda: FIXED_NOW)
    small_world(b)
    issue_permit(b.uow(), ACTOR, permit(quantity=5))
    record_delivery(b.uow(), ACTOR, "P-1", date(2020, 9, 15), ["redacted sn 1", "OTHER-1"])
    partners.add_partner(b.uow(), person("officer-b"), "authority-a", "Partner A")
    yield b
    b.close()


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(base_url=server, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            context.close()


def test_an_exchange_started_and_finished_in_the_browser(page, partner_b: Endwatch,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    sign_in(page, "officer")
    page.goto("/partners")
    page.select_option("[data-testid=start-form] select[name=partner]", "authority-b")
    page.click("[data-testid=start-form] button[type=submit]")
    page.wait_for_selector("[data-testid=finish-form]")
    with page.expect_download() as got:
        page.click("[data-testid=sent-request]")
    request = tmp_path / "request.json"
    got.value.save_as(str(request))
    assert json.loads(request.read_text())["step"] == "request" and "REDACTED" not in request.read_text()
    partners.match(partner_b, person("officer-b"), B_CONF, request, "authority-a", tmp_path / "kb",
                   tmp_path / "reply.json")
    page.set_input_files("[data-testid=finish-form] input[name=file]", str(tmp_path / "reply.json"))
    page.click("[data-testid=finish-form] button[type=submit]")
    row = page.wait_for_selector("[data-testid=match]")
    text = row.inner_text()
    assert "REDACTED-SN-1" in text and "exact" in text and "TR-" in text
    with page.expect_download() as got:
        page.click("[data-testid=sent-final]")
    final = tmp_path / "final.json"
    got.value.save_as(str(final))
    theirs = partners.finish(partner_b, person("officer-b"), B_CONF, final, "authority-a", tmp_path / "kb", None)
    assert [(m.serial, m.tier) for m in theirs.matches] == [("redacted sn 1", "exact")]
