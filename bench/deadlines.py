"""`python -m bench.deadlines`: chasing deadlines and reporting on trace requests at volume.

    python -m bench.deadlines [--requests N] [--databases sqlite,postgresql]

For each database: a fresh database (migrations), one exporter with a contact through the services, then N open
outgoing trace requests (one serial each, opened over a year, a reply window of 28 days) written by SQL in bulk
with the audit trail's row triggers set aside (opening them one by one through the gate is what the tests do).
Then it times, through the services: `deadlines chase` on a day when a few are in their reminder window and most
are overdue (notices queued in writes of at most 200, each audited, with its outbox message; the longest write is
how long other writers may have waited), the same chase again (nothing left to send: the idempotency check alone),
the report of who answered, and listing the requests.
Writes its section of BENCHMARKS.md; never part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import BENCH, Unreachable, scratch_postgres, write_section
from endwatch.bootstrap import bootstrap
from endwatch.db.audit import capture
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.enforcement.notify import set_contact
from endwatch.services.gate import write
from endwatch.services.monitoring import deadlines, requests_report
from endwatch.services.monitoring.deadlines import Rules, chase
from endwatch.services.monitoring.requests import list_requests
from endwatch.services.registry.parties import save_party
from endwatch.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
FIRST = date(2025, 1, 1)
ON = date(2026, 1, 1)  # requests opened over 2025: due from 29 January 2025 to 28 January 2026
RULES = Rules(remind_days_before=7, escalate_days_after=1, escalation_email="desk@authority.example")


def _world(ew: Any, n: int) -> float:
    start = time.perf_counter()
    save_party(ew.uow(), BENCH, Party("maker", "Maker", PartyKind.COMPANY, "CA"))
    set_contact(ew.uow(), BENCH, "maker", "compliance@maker.example")
    with ew.engine.begin() as conn:
        capture.uninstall(conn)
        for k in range(0, n, 2000):
            rows = range(k, min(n, k + 2000))
            opened = [FIRST + timedelta(days=(i * 365) // n) for i in rows]
            conn.execute(sa.text(
                "INSERT INTO trace_requests (id, reference, direction, counterpart_kind, counterpart, party_id,"
                " their_reference, question, opened_on, due_on, opened_by, status) VALUES (:id, :ref, 'outgoing',"
                " 'exporter', 'Maker', 'maker', '', 'Where did it go?', :o, :d, 'bench', 'open')"),
                [{"id": i + 1, "ref": f"TR-2025-{i + 1:06d}", "o": o, "d": o + timedelta(days=28)}
                 for i, o in zip(rows, opened, strict=True)])
            conn.execute(sa.text(
                "INSERT INTO trace_request_serials (request_id, position, serial, serial_key) VALUES (:id, 0, :s, :s)"),
                [{"id": i + 1, "s": f"B{i:09d}"} for i in rows])
        if ew.engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('trace_requests', 'id'), :n)"), {"n": n + 1})
        conn.execute(sa.text("ANALYZE"))
        capture.install(conn)
    return time.perf_counter() - start


def _timing(spans: list[float]) -> Any:
    @contextmanager
    def timed_write(*args: Any, **kwargs: Any) -> Iterator[Any]:
        t0 = time.perf_counter()
        with write(*args, **kwargs) as w:
            yield w
        spans.append(time.perf_counter() - t0)
    return timed_write


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _run(kind: str, url: str, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        ew = bootstrap(load_settings(home=Path(home), database_url=url))
        ew.migrate()
        out: dict[str, Any] = {"database": kind, "built": _world(ew, n)}
        spans: list[float] = []
        deadlines.write = _timing(spans)  # the gate itself, timed: how long each write holds the lock
        try:
            out["chase"], first = _timed(lambda: chase(ew, BENCH, ON, RULES))
        finally:
            deadlines.write = write
        out["writes"], out["longest"] = len(spans), max(spans, default=0.0)
        out["reminders"] = sum(1 for x in first.sent if x.notice == "reminder")
        out["escalations"] = sum(1 for x in first.sent if x.notice == "escalation")
        out["again"], second = _timed(lambda: chase(ew, BENCH, ON, RULES))
        out["again_sent"] = len(second.sent)
        out["report"], report = _timed(lambda: requests_report.build(ew.reader(), None, ON))
        out["never"] = report.totals["outgoing"].never_answered
        out["list"], found = _timed(lambda: list_requests(ew.reader(), None))
        out["listed"] = len(found)
        ew.close()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    for kind in args.databases.split(","):
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results.append(_run(kind, f"sqlite:///{Path(tmp) / 'bench.db'}", args.requests))
        else:
            try:
                with scratch_postgres("deadlines") as pg:
                    results.append(_run(kind, pg.url, args.requests))
            except Unreachable as exc:
                results.append({"database": kind, "error": str(exc)})
    load = os.getloadavg()
    lines = [
        "## Deadlines and trace requests at volume (`python -m bench.deadlines`)",
        "",
        f"{args.requests:,} open outgoing trace requests to one exporter, opened over 2025 with a 28-day window, chased"
        f" as of {ON.isoformat()} (reminder 7 days before the due day, escalation from the day after, copied to the"
        " authority's mailbox): notices queued in writes of at most 200, each with its outbox messages and audit"
        " entries (the longest write bounds how long another writer waits). Then the same chase again (nothing to"
        " send), the report of who answered, and the list.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average"
        f" {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} when written (other engineers' work shares the two cores,"
        " so the figures are pessimistic).",
        "",
        "| database | chase (s) | writes | longest write (s) | reminders | escalations | chase again (s) | sent again |"
        " report (s) | never answered | list (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['database']} | not run: {r['error']} | | | | | | | | | |")
            continue
        lines.append(f"| {r['database']} | {r['chase']:.2f} | {r['writes']} | {r['longest']:.2f} | {r['reminders']:,} |"
                     f" {r['escalations']:,} |"
                     f" {r['again']:.2f} | {r['again_sent']} | {r['report']:.2f} | {r['never']:,} | {r['list']:.2f} |")
    text = "\n".join(lines)
    print(text)
    write_section(ROOT / "BENCHMARKS.md", "deadlines", text)


if __name__ == "__main__":
    main()
