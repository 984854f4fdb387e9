"""`python -m bench.evidence`: loading an arms-transfer register into a registry with permits in force.

    python -m bench.evidence [--transfers N] [--permits P] [--seed S] [--databases sqlite,postgresql]

For each database (fresh, migrated): imports a random registry (bench.assessment.write_world: P permits in
force, P/3 pending applications, 12 destinations), loads the real UCDP/PRIO file (tests/data/realdata, 2,686
conflict-years, with its re-assessment), then times `endwatch evidence load --source sipri-register` of N
deals (the real SIPRI sample's 4,372 rows repeated, each copy marked in its comments so every deal is
distinct) with the targeted re-assessment inside the same write. Reports the stored inputs' size per
assessment (their JSON text) and the evidence stored once. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import BENCH, write_section
from bench.assessment import TODAY, write_world
from endwatch.bootstrap import bootstrap
from endwatch.db.engine import make_engine
from endwatch.services.assessment.evidence_load import Source, load_evidence
from endwatch.services.registry.imports import import_folder
from endwatch.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "realdata"
ADMIN_URL = os.environ.get("ENDWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_SECONDS = 120
TARGET_INPUTS_KB = 20


def write_register(path: Path, deals: int) -> None:
    """A SIPRI-format register of `deals` rows: the sample's preamble and header, then its rows repeated."""
    lines = (REAL / "sipri-trade-register-sample.csv").read_bytes().decode("iso-8859-1").splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Recipient,Supplier"))
    rows = [line for line in lines[head + 1:] if line.strip()]
    out = lines[:head + 1]
    for i in range(deals):
        row = rows[i % len(rows)]
        copy = i // len(rows)
        # The comments are the 13th field; a copy number there makes each repeated deal distinct.
        out.append(row if copy == 0 else _mark(row, copy))
    path.write_bytes(("\n".join(out) + "\n").encode("iso-8859-1"))


def _mark(row: str, copy: int) -> str:
    import csv
    import io

    cells = next(csv.reader([row]))
    cells[12] = (cells[12] + "; " if cells[12] else "") + f"bench copy {copy}"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    return buf.getvalue()


@contextmanager
def _database(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{home / 'bench.db'}"
        return
    name = f"endwatch_bench_evidence_{os.getpid()}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(kind: str, transfers: int, permits: int, seed: int) -> dict[str, Any]:
    """One database: the figures, or the reason it could not run."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_world(home / "world", permits, seed)
        register = home / "register.csv"
        write_register(register, transfers)
        try:
            db = _database(kind, home)
            url = db.__enter__()
        except Exception as exc:  # no server here: say so in the report
            return {"database": kind, "error": f"not reachable at {ADMIN_URL}: {type(exc).__name__}"}
        try:
            ew = bootstrap(load_settings(home=home, database_url=url),
                           clock=lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
            ew.migrate()
            import_folder(ew.uow(), BENCH, home / "world")
            t0 = time.perf_counter()
            conflicts = load_evidence(ew.uow(), BENCH, REAL / "ucdp-prio-acd-v24.1.csv", Source.UCDP_ACD,
                                      known_on=date(2024, 6, 1), as_of=TODAY, release="v24.1")
            t1 = time.perf_counter()
            with ew.reader() as uow:
                before = uow.conn.scalar(sa.text("select count(*) from assessments"))
            t2, c2 = time.perf_counter(), time.process_time()
            report = load_evidence(ew.uow(), BENCH, register, Source.SIPRI_REGISTER, known_on=TODAY, as_of=TODAY)
            t3, c3 = time.perf_counter(), time.process_time()
            length = "length(inputs)" if kind == "sqlite" else "octet_length(inputs::text)"
            with ew.reader() as uow:
                total, after, avg, biggest = uow.conn.execute(sa.text(
                    f"select (select count(*) from transfers), count(*), avg({length}), max({length})"
                    " from assessments")).one()
                items = uow.conn.scalar(sa.text("select count(*) from evidence_items"))
                # What the largest stored inputs hold: each part's share of its JSON text.
                largest = uow.conn.execute(sa.text(f"select subject_key, inputs from assessments"
                                                   f" order by {length} desc limit 1")).first()
            parts: dict[str, int] = {}
            if largest is not None:
                stored = largest.inputs if isinstance(largest.inputs, dict) else json.loads(largest.inputs)
                parts = {f"world.{k}": len(json.dumps(v)) for k, v in stored.get("world", {}).items()}
                parts |= {k: len(json.dumps(v)) for k, v in stored.items() if k != "world"}
            ew.close()
            size = (home / "bench.db").stat().st_size if kind == "sqlite" else None
        finally:
            db.__exit__(None, None, None)
    return {"database": kind, "conflicts_s": t1 - t0, "conflicts": conflicts.records, "load_s": t3 - t2,
            "load_cpu_s": c3 - c2,
            "transfers": total, "new": report.new, "assessments_before": before, "assessments": after,
            "watchlist_added": report.watchlist_added, "avg_inputs_kb": float(avg) / 1000,
            "max_inputs_kb": float(biggest) / 1000, "evidence_items": items,
            "largest_parts": dict(sorted(parts.items(), key=lambda kv: -kv[1])[:6]),
            "db_mb": size / 1e6 if size else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--transfers", type=int, default=30_000)
    parser.add_argument("--permits", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [run(kind, args.transfers, args.permits, args.seed) for kind in args.databases.split(",")]
    lines: list[str] = []
    for r in results:
        if "error" in r:
            lines.append(f"{r['database']}: not measured ({r['error']})")
            continue
        met = "met" if r["load_s"] < TARGET_SECONDS else "MISSED"
        lines.append(
            f"{r['database']}: register of {r['new']:,} deals loaded with targeted re-assessment in"
            f" {r['load_s']:.1f} s (target < {TARGET_SECONDS} s: {met}; {r['load_cpu_s']:.1f} s of this process's CPU"
            f" time, the database server's not counted); assessments {r['assessments_before']:,}"
            f" -> {r['assessments']:,}, {r['watchlist_added']} watch-list entries; stored inputs per assessment"
            f" {r['avg_inputs_kb']:.1f} KB on average, {r['max_inputs_kb']:.1f} KB at most (target <="
            f" {TARGET_INPUTS_KB} KB: {'met' if r['max_inputs_kb'] <= TARGET_INPUTS_KB else 'MISSED'});"
            f" {r['evidence_items']:,} evidence items stored once; before it, the UCDP/PRIO file"
            f" ({r['conflicts']:,} conflict-years) loaded with re-assessment in {r['conflicts_s']:.1f} s"
            + (f"; database {r['db_mb']:.0f} MB" if r["db_mb"] else "")
            + ("; the largest stored inputs hold (characters of JSON) "
               + ", ".join(f"{k} {v:,}" for k, v in r["largest_parts"].items()) if r["largest_parts"] else ""))
    print("\n".join(lines))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    write_section(ROOT / "BENCHMARKS.md", "evidence", "\n".join([
        "## Evidence: an arms-transfer register loaded into a registry in force",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine ({os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}); load average {load} (the machine is shared).",
        f"Reproduce: `python -m bench.evidence --transfers {args.transfers} --permits {args.permits}"
        f" --seed {args.seed} --databases {args.databases}`.",
        f"Registry: {args.permits:,} permits in force and {args.permits // 3:,} pending applications"
        " (bench.assessment's random world); the real UCDP/PRIO v24.1 file loaded first; the register is SIPRI's"
        " real sample repeated to the size asked (copies marked in their comments).",
        "",
        *(f"- {line}" for line in lines),
    ]))


if __name__ == "__main__":
    main()
