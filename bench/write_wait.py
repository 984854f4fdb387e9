"""`python -m bench.write_wait`: how long an interactive write waits while a long job runs.

    python -m bench.write_wait [--items N] [--sightings M] [--seed S] [--databases sqlite,postgresql]

Synthesises a world (`endwatch synth`) of N delivered items and M sightings. On each database: while the
world is imported (validated on a read snapshot, then written), and then while `detect` decides every
sighting (planned on a snapshot, then written), a second process records one party every 20 ms through
the services, as an officer at the web page would, and times each write. Reports the job's duration and
the writes' wait (p50, p99, max) and how many gave up (Busy) with the default 10 s wait. Writes its
section of BENCHMARKS.md; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import BENCH, write_section
from endwatch.bootstrap import bootstrap
from endwatch.db.engine import make_engine
from endwatch.domain.parties import Party, PartyKind
from endwatch.errors import Busy
from endwatch.services.detection.run import detect
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.parties import save_party
from endwatch.settings import load_settings
from endwatch_demo.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("ENDWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _writer(url: str, home: str, tag: str, ready: Any, stop: Any, out: Any) -> None:
    """Record a party every 20 ms until told to stop; send the latencies (seconds) and the Busy count.
    One write first, untimed, so that connecting and warming up are not counted; then `ready` is set."""
    ew = bootstrap(load_settings(home=Path(home), database_url=url))
    save_party(ew.uow(), BENCH, Party(f"bench-{tag}-0", f"Warm-up party {tag}", PartyKind.COMPANY, "CA"))
    ready.set()
    waits: list[float] = []
    busy = 0
    n = 0
    while not stop.is_set():
        n += 1
        party = Party(f"bench-{tag}-{n}", f"Interactive party {tag} {n}", PartyKind.COMPANY, "CA")
        start = time.perf_counter()
        try:
            save_party(ew.uow(), BENCH, party, reason="interactive write during a long job")
            waits.append(time.perf_counter() - start)
        except Busy:
            busy += 1
        time.sleep(0.02)
    ew.close()
    out.send((waits, busy))


def _during(url: str, home: str, tag: str, job: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_writer, args=(url, home, tag, ready, stop, child))
    proc.start()
    if not ready.wait(300):
        raise RuntimeError("the interactive writer did not start")
    time.sleep(0.5)
    start = time.perf_counter()
    job()
    seconds = time.perf_counter() - start
    stop.set()
    waits, busy = parent.recv()
    proc.join()
    waits.sort()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else 0.0
    return {"job_s": seconds, "writes": len(waits), "busy": busy,
            "p50_ms": 1000 * statistics.median(waits) if waits else 0.0, "p99_ms": 1000 * p99,
            "max_ms": 1000 * (waits[-1] if waits else 0.0)}


def _measure(kind: str, url: str, folder: Path, home: str) -> dict[str, Any]:
    ew = bootstrap(load_settings(home=Path(home), database_url=url))
    ew.migrate()
    imported = _during(url, home, "import", lambda: import_folder(ew, BENCH, folder, reason="benchmark"))
    with ew.engine.connect() as conn:
        items = conn.execute(sa.text("select count(*) from deliveries")).scalar_one()
        sightings = conn.execute(sa.text("select count(*) from sightings")).scalar_one()
    detected = _during(url, home, "detect", lambda: detect(ew, BENCH))
    ew.close()
    return {"database": kind, "items": items, "sightings": sightings, "import": imported, "detect": detected}


def _postgres(folder: Path, home: str) -> dict[str, Any]:
    name = f"endwatch_bench_wait_{os.getpid()}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: say so in the report
        return {"database": "postgresql", "error": f"not reachable at {ADMIN_URL}: {type(exc).__name__}"}
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        return _measure("postgresql", url, folder, home)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _row(r: dict[str, Any], job: str) -> str:
    j = r[job]
    return (f"| {r['database']} | {job} | {j['job_s']:.1f} | {j['writes']} | {j['p50_ms']:.0f} | {j['p99_ms']:.0f} |"
            f" {j['max_ms']:.0f} | {j['busy']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--sightings", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--databases", default="sqlite,postgresql")
    args = ap.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "world"
        synthesize(folder, items=args.items, sightings=args.sightings, seed=args.seed)
        for kind in args.databases.split(","):
            home = tempfile.mkdtemp(dir=tmp)
            if kind == "sqlite":
                results.append(_measure("sqlite", f"sqlite:///{home}/endwatch.db", folder, home))
            else:
                results.append(_postgres(folder, home))
            print(json.dumps(results[-1]))
    lines = [
        "## Interactive writes during long jobs (`python -m bench.write_wait`)",
        "",
        f"A world of {args.items:,} delivered items and {args.sightings:,} sightings (`endwatch synth`, seed"
        f" {args.seed}) is imported, then detected, while a second process records a party every 20 ms through"
        " the services and times each write (default write wait 10 s; a write that waits longer gives up as"
        " Busy, HTTP 503 on the web). Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average"
        f" {os.getloadavg()[0]:.1f} when the run ended (other work was running).",
        "",
        "| database | job | job s | writes | wait p50 ms | wait p99 ms | wait max ms | busy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['database']} | {r['error']} | | | | | | |")
            continue
        lines += [_row(r, "import"), _row(r, "detect")]
    lines += ["", "The longest wait is the job's own write transaction: validation and matching run on a read"
              " snapshot without the lock, and the import also prepares its new items there (rows, ids, row"
              " digests for the trail), so its write, still one transaction (all or nothing), only inserts them."
              " A plan stays valid when the writes meanwhile only added parties it does not name, so the"
              " interactive writes no longer make the import plan again under the lock."]
    write_section(ROOT / "BENCHMARKS.md", "write-wait", "\n".join(lines))


if __name__ == "__main__":
    main()
