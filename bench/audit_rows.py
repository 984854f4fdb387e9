"""`python -m bench.audit_rows`: what covering the records costs the audit trail.

    python -m bench.audit_rows [--items N] [--seed S] [--databases sqlite,postgresql]

Synthesises a world of N delivered items (`endwatch synth`, no sightings), then on each database imports
it twice into fresh databases: once as endwatch runs (triggers note every row, the gate digests them into
the import's entry) and once with the row triggers dropped (nothing noted, nothing digested), and reports
the difference. Then `audit verify` on the large registry: the hash chain, and every row against the
trail's digests. Writes its section of BENCHMARKS.md; never part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import BENCH, Unreachable, scratch_postgres, write_section
from endwatch.db.audit import capture
from endwatch.db.engine import make_engine, upgrade
from endwatch.db.uow import SqlUnitOfWork
from endwatch.services.audit.verify import verify, verify_rows
from endwatch.services.registry.imports import import_folder
from endwatch_demo.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _import(url: str, folder: Path, *, covered: bool) -> tuple[float, sa.Engine]:
    engine = make_engine(url)
    upgrade(engine)
    if not covered:
        with engine.begin() as conn:
            capture.uninstall(conn)
    seconds, _ = _timed(lambda: import_folder(SqlUnitOfWork(engine), BENCH, folder, reason="benchmark"))
    return seconds, engine


def _measure(kind: str, urls: list[str], folder: Path) -> dict[str, Any]:
    plain_s, plain = _import(urls[0], folder, covered=False)
    plain.dispose()
    covered_s, engine = _import(urls[1], folder, covered=True)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select count(*) from audit_rows")).scalar_one()
        items = conn.execute(sa.text("select count(*) from deliveries")).scalar_one()
    reader = lambda: SqlUnitOfWork(engine, readonly=True)  # noqa: E731
    chain_s, chain = _timed(lambda: verify(reader))
    rows_s, report = _timed(lambda: verify_rows(reader))
    engine.dispose()
    assert chain.ok and report.ok, "the benchmark's registry must verify intact"
    return {"database": kind, "items": items, "digested_rows": rows, "import_plain_s": plain_s,
            "import_covered_s": covered_s, "verify_chain_s": chain_s, "verify_rows_s": rows_s,
            "rows_checked": report.rows}


def _postgres(folder: Path) -> dict[str, Any]:
    try:
        with scratch_postgres("bench_rows", count=2) as db:
            return {**_measure("postgresql", db.urls, folder), "version": db.version}
    except Unreachable as exc:
        return {"database": "postgresql", "error": str(exc)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "world"
        synthesize(folder, items=args.items, sightings=0, seed=args.seed)
        for kind in args.databases.split(","):
            if kind == "sqlite":
                results.append(_measure("sqlite", [f"sqlite:///{tmp}/plain.db", f"sqlite:///{tmp}/covered.db"],
                                        folder))
            elif kind == "postgresql":
                results.append(_postgres(folder))
    lines = ["## Audit trail: row coverage (issue 11 part 6)", "",
             f"`python -m bench.audit_rows --items {args.items}` on {platform.machine()}, {os.cpu_count()} cores"
             f" (shared with other work while measured), Python {platform.python_version()}. A synthetic world"
             " imported into a fresh database with the row triggers dropped (plain), then as endwatch runs"
             " (covered: every row noted by a trigger and digested into the import's audit entry); then"
             " `audit verify` on the covered registry.", "",
             "| database | items | rows digested | import plain | import covered | overhead | verify chain |"
             " verify rows (rows checked) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['database']} | {r['error']} | | | | | | |")
            continue
        overhead = (r["import_covered_s"] / r["import_plain_s"] - 1) * 100
        name = r["database"] + (f" {r['version']}" if "version" in r else "")
        lines.append(f"| {name} | {r['items']:,} | {r['digested_rows']:,} | {r['import_plain_s']:.1f} s |"
                     f" {r['import_covered_s']:.1f} s | {overhead:+.0f} % | {r['verify_chain_s']:.2f} s |"
                     f" {r['verify_rows_s']:.1f} s ({r['rows_checked']:,}) |")
    load = os.getloadavg()[0]
    lines += ["", f"Load average when it finished: {load:.1f} on {os.cpu_count()} cores; on a busy machine every figure"
              " is inflated, the plain and covered imports alike. What the overhead buys: a row changed, added or"
              " deleted outside the application is named by `audit verify` (tests/integration/test_audit_rows.py)."]
    write_section(ROOT / "BENCHMARKS.md", "audit-rows", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
