"""Races with real processes and threads, on SQLite and PostgreSQL: deliveries against quantity from two
processes, and interactive writes during an import (they succeed within the wait, or are Busy: never
another error, never lost)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from tests.factories import ACTOR, permit, small_world
from tests.principals import person

from endwatch.bootstrap import bootstrap
from endwatch.domain.parties import Party, PartyKind
from endwatch.errors import Busy, RuleViolation
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.settings import load_settings
from endwatch_demo.synth import synthesize

PERMITS = [f"P-{i}" for i in range(30)]


def _deliver_all(side: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """In a child process with its own connections: one delivery per permit, each of its own serial."""
    from endwatch.services.registry.deliveries import record_delivery

    ew = bootstrap(load_settings())
    start.wait(30)
    outcomes = []
    for number in PERMITS:
        try:
            record_delivery(ew.uow(), ACTOR, number, date(2020, 6, 1), [f"{number}-{side}"])
            outcomes.append("ok")
        except RuleViolation as exc:
            outcomes.append(exc.rule)
        except Exception as exc:  # reported to the parent, which fails the test with it
            outcomes.append(f"{type(exc).__name__}: {exc}")
    ew.close()
    out.put(outcomes)


def test_two_processes_delivering_against_thirty_quantity_one_permits_never_overfill(ew):
    small_world(ew)
    for n in PERMITS:
        issue_permit(ew.uow(), ACTOR, permit(n, quantity=1))
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_deliver_all, args=(side, start, out)) for side in "AB"]
    for w in workers:
        w.start()
    start.set()
    results = [out.get(timeout=180) for _ in workers]
    for w in workers:
        w.join(60)
    every = [o for r in results for o in r]
    assert set(every) <= {"ok", "permit-quantity"}, every
    assert every.count("ok") == len(PERMITS) and every.count("permit-quantity") == len(PERMITS)
    with ew.engine.connect() as conn:
        per_permit = dict(conn.execute(sa.text("select permit_number, count(*) from deliveries group by 1")).all())
    assert per_permit == dict.fromkeys(PERMITS, 1)


def test_writes_during_an_import_succeed_or_are_busy_never_lost(ew, tmp_path: Path):
    synthesize(tmp_path / "w", items=4000, sightings=50, seed=11)
    small_world(ew)
    done = threading.Event()
    imported: list[object] = []

    def run_import() -> None:
        try:
            imported.append(import_folder(ew, person("importer"), tmp_path / "w"))
        except Exception as exc:  # asserted on below
            imported.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run_import)
    worker.start()
    saved, busy, waits = [], 0, []
    i = 0
    while not done.is_set() or i < 3:
        t0 = time.perf_counter()
        try:
            save_party(ew.uow(), ACTOR, Party(f"during-{i}", f"During {i}", PartyKind.COMPANY, "CA"))
            saved.append(f"during-{i}")
        except Busy as exc:
            assert exc.retry_after > 0
            busy += 1
        waits.append(time.perf_counter() - t0)
        i += 1
        time.sleep(0.05)
    worker.join(300)
    assert not isinstance(imported[0], Exception), imported
    with ew.reader() as uow:
        stored = {p.id for p in uow.parties.list()}
        assert uow.deliveries.count_for_permits([p.number for p in uow.permits.list()])
    assert set(saved) <= stored, "a write that succeeded is never lost"
    assert saved, "writes go through during an import"
