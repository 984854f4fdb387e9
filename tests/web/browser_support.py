"""Shared pieces of the browser tests: a real uvicorn server on 127.0.0.1 over a SQLite file with the
reference case and the demo accounts, Debian's Chromium (/usr/bin/chromium, no browser download) driven
by Playwright for Python, and signing in through the form.

Each browser test module keeps its own module-scoped fixtures (so each gets its own database) and builds
them from these helpers."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from tests.conftest import FIXED_NOW
from tests.principals import person

from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.services.accounts import users
from endwatch.services.system.demo import claim_for_demo
from endwatch.settings import load_settings
from endwatch.web.app import create_app
from endwatch_demo import reference_case
from endwatch_demo.accounts import demo_password, ensure_demo_accounts
from endwatch_demo.replay import REPLAYER

CHROMIUM = Path("/usr/bin/chromium")
# The committed screenshots are refreshed only on request (ENDWATCH_SCREENSHOTS=1), so that a test run
# leaves the working tree as it was.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("ENDWATCH_SCREENSHOTS") == "1" else Path(tempfile.mkdtemp(prefix="endwatch-shots-")))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists() and os.environ.get("ENDWATCH_REQUIRE_CHROMIUM") == "1":
    raise pytest.UsageError("ENDWATCH_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is missing")
# Browser test modules set `pytestmark = needs_chromium`.
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_endwatch(home: Path, *, until: date | None = None,
                  prepare: Callable[[Endwatch], object] | None = None) -> Endwatch:
    """An Endwatch on a new SQLite file under `home` with the reference case (loaded `until` a day, as
    `endwatch demo --until` does) and the demo accounts; `prepare(ew)` runs before the accounts are made."""
    settings = load_settings(home=home, database_url=f"sqlite:///{home / 'endwatch.db'}")
    ew = bootstrap(settings, clock=lambda: FIXED_NOW)
    ew.migrate()
    claim_for_demo(ew.uow(), REPLAYER)  # the demo accounts' passwords are published: a demo database only
    reference_case.load(ew.uow(), person("browser-test"), until=until)
    if prepare is not None:
        prepare(ew)
    saved = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # fast for tests
    try:
        ensure_demo_accounts(ew.uow, person("browser-test"))
    finally:
        users._hasher = saved
    return ew


@contextmanager
def serving(ew: Endwatch) -> Iterator[str]:
    """Serve the web application over `ew` in a thread on a free loopback port; yields its base URL.
    Closes `ew` afterwards."""
    port = free_port()
    config = uvicorn.Config(create_app(ew.settings, endwatch=ew), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        ew.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def new_page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page on the server."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 860})
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Any, username: str) -> None:
    """Sign in with the demo account's password through the form; the dashboard opens."""
    page.goto("/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo_password(username))
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=signed-in-as]")


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot as `name` (under docs/screenshots with ENDWATCH_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
