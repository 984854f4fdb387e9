"""The public figures: computed once, then kept and refreshed in the background, so that no anonymous request
after a write pays for a scan of the registry (web/published.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from tests.principals import person

from endwatch.services.registry.parties import save_party
from endwatch.services.reporting import records
from endwatch.services.reporting import transparency as public
from endwatch.web.published import Published

from .conftest import Web


class Counting:
    """A computation that counts its calls and can be made slow."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.calls += 1
            n = self.calls
        time.sleep(self.seconds)
        return n


def test_kept_figures_are_served_until_a_newer_version_and_refreshed_in_the_background() -> None:
    published: Published[int] = Published(refresh_seconds=0)
    compute = Counting(seconds=0.2)
    first = published.get(1, "k", compute)
    assert (first.value, first.version, compute.calls) == (1, 1, 1)
    assert published.get(1, "k", compute).value == 1 and compute.calls == 1  # same version: kept
    started = time.perf_counter()
    stale = published.get(2, "k", compute)  # a write happened: the kept figures, at once, and one refresh
    assert time.perf_counter() - started < 0.15, "the request waited for the refresh"
    assert (stale.value, stale.version) == (1, 1)
    assert published.get(2, "k", compute).value == 1  # still refreshing: no second computation
    published.wait()
    assert compute.calls == 2
    fresh = published.get(2, "k", compute)
    assert (fresh.value, fresh.version) == (2, 2) and fresh.computed_at >= first.computed_at


def test_no_refresh_sooner_than_the_interval() -> None:
    published: Published[int] = Published(refresh_seconds=3600)
    compute = Counting()
    published.get(1, "k", compute)
    for version in range(2, 6):
        assert published.get(version, "k", compute).value == 1
    published.wait()
    assert compute.calls == 1


def test_a_burst_of_first_requests_computes_once() -> None:
    published: Published[int] = Published(refresh_seconds=0)
    compute = Counting(seconds=0.3)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(published.get(1, "k", compute).value))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [1] * 8 and compute.calls == 1


def test_a_failed_refresh_keeps_the_figures_served() -> None:
    published: Published[int] = Published(refresh_seconds=0)
    published.get(1, "k", lambda: 7)

    def broken() -> int:
        raise RuntimeError("database went away")

    assert published.get(2, "k", broken).value == 7
    published.wait()
    kept = published.get(2, "k", lambda: 8)  # the next request tries again
    assert kept.value == 7
    published.wait()
    assert published.get(2, "k", lambda: 9).value == 8


def test_the_public_page_after_a_write_serves_the_kept_figures_then_the_refreshed_ones(web: Web) -> None:
    app_published = web.client.app.state.published  # type: ignore[attr-defined]
    app_published.refresh_seconds = 0
    web.client.cookies.clear()
    page = web.client.get("/transparency")
    assert page.status_code == 200 and 'data-testid="computed-at"' in page.text
    (kept,) = app_published._kept.values()
    baykar = records.get_party(web.ew.reader(), "baykar")
    save_party(web.ew.uow(), person("officer"), replace(baykar, name="Baykar (renamed for the figures test)"))
    again = web.client.get("/transparency")  # answered from the kept figures; a refresh begins
    assert again.status_code == 200
    app_published.wait()
    (refreshed,) = app_published._kept.values()
    assert refreshed.version > kept.version and refreshed.computed_at >= kept.computed_at
    rules = public.SmallCells(web.ew.settings.min_cell_permits, web.ew.settings.min_cell_exporters)
    assert refreshed.value == public.transparency(web.ew.reader(), web.ew.today(), rules)
