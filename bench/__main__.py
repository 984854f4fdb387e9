"""`python -m bench`: the detection benchmark. Writes BENCHMARKS.md.

    python -m bench [--items N] [--sightings M] [--seed S] [--queries Q] [--databases sqlite,postgresql]

Generates a synthetic world (`endwatch synth`), then for each database, in a fresh process: imports it,
measures exact trace and fuzzy match latency (p50, p99), compares the fuzzy queries with a brute-force
rapidfuzz scan and PostgreSQL's pg_trgm, runs `detect` over every sighting, scores `diversion`
against the known truth, and records peak resident memory. Never part of the test suite.
PostgreSQL comes from ENDWATCH_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test,
used to create and drop a scratch database); it is skipped, with the reason, when unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import write_section
from endwatch.db.engine import make_engine
from endwatch.services.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("ENDWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _worker(kind: str, url: str, folder: Path, queries: int, seed: int) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.worker", kind, url, str(folder), str(queries), str(seed)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"database": kind, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _postgres(folder: Path, queries: int, seed: int) -> dict[str, Any]:
    name = f"endwatch_bench_{os.getpid()}"
    try:
        admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            version = conn.execute(sa.text("show server_version")).scalar_one()
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: say so in the report
        return {"database": "postgresql", "error": f"not reachable at {ADMIN_URL}: {type(exc).__name__}"}
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        result = _worker("postgresql", url, folder, queries, seed)
        result["version"] = version
        return result
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _report(args: argparse.Namespace, synth_s: float, results: list[dict[str, Any]]) -> str:
    lines = [
        "# Benchmarks: detection",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine: {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.platform()}.",
        "",
        f"Load average (1, 5, 15 min) when the report was written: {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
        " (other work on the machine slows every number below).",
        "",
        f"Reproduce: `python -m bench --items {args.items} --sightings {args.sightings} --seed {args.seed}"
        f" --queries {args.queries}` (or `make bench` for the defaults).",
        "",
        f"World: `endwatch synth` with {args.items:,} delivered items and {args.sightings:,} sightings, seed"
        f" {args.seed}; written in {synth_s:.1f} s. Latencies are over {args.queries} queries (brute force and"
        " pg_trgm over the first 50 fuzzy queries). Fuzzy queries are readings of delivered serials with one"
        " character unreadable (`?`), missing or wrong.",
        "",
    ]
    for r in results:
        lines.append(f"## {r['database']}" + (f" {r['version']}" if r.get("version") else ""))
        lines.append("")
        if "error" in r:
            lines += [f"Not measured: {r['error']}", ""]
            continue
        items = r["items"]
        d = r["detect"]
        q = r["quality"]
        brute = r["rapidfuzz_bruteforce"]
        fuzzy = r["fuzzy_match"]
        rows = [
            ("import (exchange format, all files)", f"{r['import_s']:.1f} s ({items / r['import_s']:,.0f} items/s)",
             f"10M items: not measured; about {10_000_000 / (items / r['import_s']) / 60:,.0f} min at this rate"
             if items < 10_000_000 else ""),
            ("exact trace p50 / p99 (serial to item, index lookup)",
             f"{r['exact_trace']['p50_ms']:.2f} / {r['exact_trace']['p99_ms']:.2f} ms", "p50 < 1 ms"),
            ("full `endwatch trace` record p50 / p99 (item, permit, parties, history; new connection each)",
             f"{r['full_trace']['p50_ms']:.2f} / {r['full_trace']['p99_ms']:.2f} ms", ""),
            ("fuzzy match p50 / p99", f"{fuzzy['p50_ms']:.2f} / {fuzzy['p99_ms']:.2f} ms", "p50 < 20 ms, p99 < 100 ms"),
            ("fuzzy: true item among candidates", f"{fuzzy['true_item_among_candidates']:.1%}", ""),
            ("rapidfuzz brute force p50 / p99",
             f"{brute['p50_ms']:.1f} / {brute['p99_ms']:.1f} ms (load {brute['load_s']:.1f} s)",
             f"ratio to index p50: {brute['p50_ms'] / fuzzy['p50_ms']:.1f}x"),
        ]
        if "pg_trgm" in r:
            t = r["pg_trgm"]
            rows.append(("pg_trgm similarity (GIN) p50 / p99",
                         f"{t['p50_ms']:.1f} / {t['p99_ms']:.1f} ms (index build {t['index_s']:.1f} s;"
                         f" true item in top 10: {t['true_item_in_top10']:.0%})",
                         f"ratio to index p50: {t['p50_ms'] / fuzzy['p50_ms']:.1f}x"))
        rows += [
            ("detect throughput", f"{d['sightings']:,} sightings in {d['seconds']:.1f} s"
             f" ({d['per_second']:,.0f}/s); {d['cases_opened']} cases opened", "100,000 in < 60 s"),
            ("peak resident memory (this process)", f"{r['peak_rss_mb']:,.0f} MB", "< 4 GB"),
        ]
        lines += ["| measure | result | target / comparison |", "|---|---|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        lines.append("")
        lines.append("Quality of `diversion` against the synthetic truth:")
        lines.append("")
        lines += ["| verdicts counted | precision | recall | TP | FP | FN |", "|---|---|---|---|---|---|"]
        for label in ("all", "probable_or_better"):
            s = q[label]
            lines.append(f"| {label.replace('_', ' ')} | {_fmt(s['precision'], 3)} | {_fmt(s['recall'], 3)} |"
                         f" {s['tp']} | {s['fp']} | {s['fn']} |")
        lines.append("")
        lines.append("Verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(q["verdicts"].items()))
                     + f"; agreement with the truth's verdict: {_fmt(q['agreement'], 3)}.")
        lines.append("")
    lines += [
        "## Notes",
        "",
        "- Lookups go through the index on `deliveries.serial_fold`: exact and confusable readings are one",
        "  equality; `?` readings expand to at most 729 keys; one-edit readings to about 600 generated keys,",
        "  all sent as one JSON parameter. Their cost depends on index depth, not on the number of items,",
        "  which is why the brute-force and pg_trgm ratios grow with the registry.",
        "- Misses in `diversion` recall and precision come mostly from dense sequential serials: a reading",
        "  with one wrong digit is often exactly another delivered item's serial, and one-edit readings",
        "  often tie with neighbours (verdict `ambiguous`, never a guess). Restricting to `probable` or",
        "  better trades recall for precision.",
        "- Peak memory is the benchmark process's maximum resident set size, which includes the brute-force",
        "  comparison's in-memory copy of every folded serial.",
        "- Scaling: the issue's targets are stated for 10 million items and 100,000 sightings. Index lookups",
        "  grow with the depth of the B-tree (logarithmically), so exact and fuzzy latencies at 10M should",
        "  stay close to these; import grows linearly; detect time is dominated by the one-edit lookups",
        "  (about 600 index probes per reading that finds nothing better), so it depends on the share of",
        "  misread sightings more than on the registry's size. Only the size above was measured.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--sightings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="endwatch-bench-") as tmp:
        folder = Path(tmp) / "world"
        print(f"writing a synthetic world of {args.items:,} items and {args.sightings:,} sightings...", flush=True)
        synth_s = time.perf_counter()
        synthesize(folder, items=args.items, sightings=args.sightings, seed=args.seed)
        synth_s = time.perf_counter() - synth_s
        results = []
        for kind in args.databases.split(","):
            print(f"measuring on {kind}...", flush=True)
            if kind == "sqlite":
                results.append(_worker("sqlite", f"sqlite:///{tmp}/bench.db", folder, args.queries, args.seed))
            elif kind == "postgresql":
                results.append(_postgres(folder, args.queries, args.seed))
            print(json.dumps(results[-1], default=str), flush=True)
    write_section(Path(args.out), "detection", _report(args, synth_s, results))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
