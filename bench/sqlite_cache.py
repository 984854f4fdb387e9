"""`python -m bench.sqlite_cache`: adding items to a large SQLite registry, by page cache size.

    python -m bench.sqlite_cache [--items N] [--add M] [--caches=-2000,-262144,-1048576]

Builds a registry of N delivered items (bench/world.py, by SQL in bulk), copies it once per cache size, and times
inserting M more items (serials spread over the key space, as an import of another exporter's items would be) in
chunks of 5,000 through the driver's executemany, as db/bulk.py does, with `PRAGMA cache_size` set to each value
(negative: KiB; SQLite's default is -2000). Shows why a bulk write grows its connection's cache (db/engine.py).
Prints one line per cache size; writes no report (BENCHMARKS.md "detection-regression" quotes it). Never part of
the tests.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench import world
from endwatch.bootstrap import bootstrap
from endwatch.settings import load_settings

COLUMNS = ("permit_number", "product_id", "manufacturer_id", "family", "serial", "serial_norm", "serial_fold",
           "delivered_on", "recipient_id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--add", type=int, default=200_000)
    parser.add_argument("--caches", default="-2000,-262144,-1048576")
    args = parser.parse_args()
    permits = 2000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ew = bootstrap(load_settings(home=folder, database_url=f"sqlite:///{folder / 'base.db'}"))
        ew.migrate()
        world.base_parties(ew)
        with world.bulk(ew) as conn:
            world.permits_and_items(conn, args.items, permits)
        ew.close()
        # Serials spread over the key space (7919 is prime to 10**9, so every serial differs), permits at random.
        rows = [(f"P-{(i * 37) % permits:06d}", f"prod-{(i * 37) % permits % 4}", "maker",
                 f"prod-{(i * 37) % permits % 4}", s, s, s, "2024-01-01", f"user-{(i * 37) % permits % 8}")
                for i in range(args.add) for s in [f"Z{(i * 7919) % 10**9:09d}"]]
        insert = f"INSERT INTO deliveries ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for cache in (int(c) for c in args.caches.split(",")):
            shutil.copy(folder / "base.db", folder / "run.db")
            db = sqlite3.connect(folder / "run.db", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA cache_size={cache}")
            start = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            for i in range(0, len(rows), 5000):
                db.executemany(insert, rows[i:i + 5000])
            db.execute("COMMIT")
            took = time.perf_counter() - start
            db.close()
            print(f"{args.items:,} items, cache_size {cache}: {args.add:,} added in {took:.1f} s", flush=True)
            for extra in ("run.db", "run.db-wal", "run.db-shm"):
                (folder / extra).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
