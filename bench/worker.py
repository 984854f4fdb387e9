"""One benchmark run on one database, in its own process (so peak memory is its own); prints JSON.

Steps: migrate an empty database, import the synthetic world, time exact traces and fuzzy matches,
compare the fuzzy matches with a brute-force rapidfuzz scan (and, on PostgreSQL, pg_trgm), run
`detect` over every sighting, and score its `diversion` verdicts against truth.csv.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bench import BENCH
from endwatch.db.engine import make_engine, upgrade
from endwatch.db.uow import SqlUnitOfWork, readers_for_forked_children
from endwatch.domain.matching import fold
from endwatch.domain.serials import serial_key
from endwatch.runtime.forkpool import ForkPool
from endwatch.services.detection.matching import Matcher
from endwatch.services.detection.run import detect
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.trace import trace_serial


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000, "n": len(ordered)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def fuzzy_readings(rnd: random.Random, serials: list[str]) -> list[str]:
    """Readings with one character wrong or missing, or one unreadable, of delivered serials."""
    out = []
    for s in serials:
        chars = list(s)
        spots = [i for i, c in enumerate(chars) if c.isalnum()]
        i = rnd.choice(spots)
        kind = rnd.random()
        if kind < 0.4:
            chars[i] = "?"
        elif kind < 0.7:
            del chars[i]
        else:
            chars[i] = "X" if chars[i] != "X" else "Y"
        out.append("".join(chars))
    return out


def score(truth_path: Path, results: list[Any]) -> dict[str, Any]:
    """Precision and recall of `diversion` against truth.csv, overall and at probable or better."""
    truth = {r["sighting_id"]: r for r in csv.DictReader(truth_path.open(encoding="utf-8"))}
    verdicts: dict[str, int] = {}
    out: dict[str, Any] = {}
    for label, strong in (("all", False), ("probable_or_better", True)):
        tp = fp = fn = 0
        for r in results:
            f = r.finding
            predicted = f.verdict == "diversion" and (not strong or f.confidence in ("confirmed", "probable"))
            actual = truth[f.sighting_id]["expected"] == "diversion"
            tp += predicted and actual
            fp += predicted and not actual
            fn += actual and not predicted
        out[label] = {"precision": tp / (tp + fp) if tp + fp else None,
                      "recall": tp / (tp + fn) if tp + fn else None, "tp": tp, "fp": fp, "fn": fn}
    for r in results:
        verdicts[r.finding.verdict] = verdicts.get(r.finding.verdict, 0) + 1
    right = sum(1 for r in results if r.finding.verdict == truth[r.finding.sighting_id]["expected"])
    out["verdicts"] = verdicts
    out["agreement"] = right / len(results) if results else None
    return out


def run(kind: str, url: str, folder: Path, queries: int, seed: int) -> dict[str, Any]:
    engine = make_engine(url)
    out: dict[str, Any] = {"database": kind}
    out["migrate_s"], _ = timed(lambda: upgrade(engine))
    out["import_s"], _ = timed(lambda: import_folder(SqlUnitOfWork(engine), BENCH, folder, reason="benchmark"))
    rnd = random.Random(seed)
    with engine.connect() as conn:
        n_items = conn.execute(sa.text("select count(*) from deliveries")).scalar_one()
        ids = [rnd.randint(1, n_items) for _ in range(queries)]
        rows = conn.execute(sa.text("select serial from deliveries where id in ({})".format(
            ",".join(str(i) for i in ids)))).scalars().all()
        if kind == "postgresql":
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    out["items"] = n_items
    serials = list(rows)
    rnd.shuffle(serials)
    far = date(2100, 1, 1)

    def reader() -> Any:
        return SqlUnitOfWork(engine, readonly=True)

    trace_times = [timed(lambda s=s: trace_serial(reader(), s, as_of=far))[0] for s in serials]
    out["full_trace"] = percentiles(trace_times)
    readings = fuzzy_readings(rnd, serials)
    fuzzy_times: list[float] = []
    found = 0
    with SqlUnitOfWork(engine, readonly=True) as uow:
        matcher = Matcher(uow)
        out["exact_trace"] = percentiles([timed(lambda s=s: matcher.match(s))[0] for s in serials])
        for reading, truth in zip(readings, serials, strict=True):
            dt, outcome = timed(lambda r=reading: matcher.match(r))
            fuzzy_times.append(dt)
            found += any(c.serial == truth for c in outcome.candidates)
    out["fuzzy_match"] = {**percentiles(fuzzy_times), "true_item_among_candidates": found / len(readings)}

    # The same fuzzy queries as a brute-force rapidfuzz scan over every folded serial in memory.
    brute_n = min(50, len(readings))
    with engine.connect() as conn:
        load_s, folds = timed(lambda: conn.execute(sa.text("select serial_fold from deliveries")).scalars().all())
    brute_times = []
    for reading in readings[:brute_n]:
        key = fold(serial_key(reading)).replace("?", "X")
        dt, _ = timed(lambda k=key, f=folds: process.extract(k, f, scorer=Levenshtein.distance, score_cutoff=1,
                                                             limit=None))
        brute_times.append(dt)
    out["rapidfuzz_bruteforce"] = {**percentiles(brute_times), "load_s": load_s}
    folds = []  # let the copy go before detection runs
    if kind == "postgresql":
        out["pg_trgm"] = pg_trgm(engine, readings[:brute_n], serials[:brute_n])
    sightings_count = sum(1 for _ in (folder / "sightings.csv").open(encoding="utf-8")) - 1
    load_before = os.getloadavg()[0]
    detect_s, detection = timed(lambda: detect(SqlUnitOfWork(engine), BENCH,
                                               parallel=ForkPool(readers_for_forked_children(url))))
    out["detect"] = {"sightings": sightings_count, "seconds": detect_s, "load_before": load_before,
                     "per_second": sightings_count / detect_s if detect_s else None,
                     "cases_opened": len(detection.cases_opened)}
    out["quality"] = score(folder / "truth.csv", detection.results)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # detect's worker processes (forked: pages they share with this one count in both figures).
    out["peak_child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    engine.dispose()
    return out


TRGM_QUERY = sa.text("select serial from deliveries where serial_fold % :q"
                     " order by similarity(serial_fold, :q) desc limit 10")


def pg_trgm(engine: sa.Engine, readings: list[str], truths: list[str]) -> dict[str, Any]:
    """The same fuzzy queries with PostgreSQL's trigram similarity (GIN index), top 10 by similarity."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    with engine.begin() as conn:
        index_s, _ = timed(lambda: conn.execute(sa.text(
            "CREATE INDEX ix_bench_serial_fold_trgm ON deliveries USING gin (serial_fold gin_trgm_ops)")))
    times = []
    hits = 0
    with engine.connect() as conn:
        for reading, truth in zip(readings, truths, strict=True):
            key = fold(serial_key(reading)).replace("?", "")
            dt, rows = timed(lambda k=key: conn.execute(TRGM_QUERY, {"q": k}).scalars().all())
            times.append(dt)
            hits += truth in rows
    return {**percentiles(times), "index_s": index_s, "true_item_in_top10": hits / len(readings)}


if __name__ == "__main__":
    kind_, url_, folder_, queries_, seed_ = sys.argv[1:6]
    print(json.dumps(run(kind_, url_, Path(folder_), int(queries_), int(seed_)), default=str))
