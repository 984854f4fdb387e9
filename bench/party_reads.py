"""`python -m bench.party_reads`: what a party's page, search's near candidates and the list filters on a party cost
at scale: statements sent, rows read and p50 / max in milliseconds of each request (in process, FastAPI's test
client, as an administrator, after one untimed request).

    python -m bench.party_reads [--items N] [--parties P] [--queries Q] [--databases sqlite,postgresql]

For each database: a fresh migrated database with the bundled reference case, then, written by SQL in bulk
(bench/world.py): N delivered items under N / 100 permits, N / 100 applications, N / 10 sightings each with its
finding (diversions seen with another armed force than the declared end user), 100 cases, and P parties more
("Trading House 000001 Ltd" ...), as a registry that screens tens of thousands of parties holds. Prints one
JSON line a request (list pages also as the first request after a write; near candidates with maker or model text
as the service the trace page and API call on a miss); writes no report (issue 14's figures for these pages are
in the commits that bounded them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench import BENCH, each_database, parser, world
from endwatch.bootstrap import bootstrap
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.accounts import users
from endwatch.services.detection.near import near_candidates
from endwatch.services.registry.parties import save_party
from endwatch.settings import load_settings
from endwatch.web.app import create_app
from endwatch_demo import reference_case

URLS = ("/parties/user-0", "/parties/maker", "/parties/user-3",
        "/api/v1/search?q=B00000012X", "/search?q=B00000O123",
        "/permits?end_user=user-0", "/permits?end_user=Armed%20Forces%20TR", "/permits?end_user=Armed%20Forces",
        "/deliveries?recipient=user-0", "/deliveries?recipient=Armed%20Forces%20TR")
# Near candidates for a misread serial with maker or model text (serial, manufacturer, model), timed as the service
# the trace page and API call when trace misses (their answers are cached per state version; this is the miss): an
# exact maker and model, a misspelt maker, and a party that made nothing near the serial.
# List pages and the dashboard (its pending applications' recommendations) timed as the first request after a write
# (a party saved before each, untimed): what nothing kept for the state version before helps, as after every write
# in a registry at work.
AFTER_WRITE = ("/permits", "/deliveries", "/applications", "/")
READINGS = (("B00000012X", "Maker", "Model prod 0"), ("B00000012X", "Makr", ""),
            ("B00000012X", "Trading House 000001 Ltd", "Model prod 0"))


def _build(ew: Any, items: int, parties: int) -> float:
    start = time.perf_counter()
    reference_case.load(ew.uow(), BENCH)
    world.base_parties(ew)
    permits = max(1, items // 100)
    with world.bulk(ew) as conn:
        world.permits_and_items(conn, items, permits)
    with world.bulk(ew, rebuild=()) as conn:
        world.applications(conn, permits)
        world.sightings_and_findings(conn, items // 10, items, 100)
        conn.execute(sa.text("UPDATE findings SET observed_user_id = 'user-' || ((CAST(substr(sighting_id, 3) AS"
                             " INTEGER) + 3) % 8) WHERE verdict = 'diversion'"))
        named = [{"id": f"x-{i:06d}", "name": f"Trading House {i:06d} Ltd"} for i in range(parties)]
        if named:
            conn.execute(sa.text("INSERT INTO parties (id, name, kind, country) VALUES (:id, :name, 'company',"
                                 " 'TR')"), named)
            conn.execute(sa.text("INSERT INTO party_names (party_id, name, name_key, name_kind) VALUES (:id, :name,"
                                 " :key, 'name')"), [{**p, "key": normalise_name(p["name"])} for p in named])
    return time.perf_counter() - start


def _run(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=os.environ.get("ENDWATCH_BENCH_TMP")) as home:
        ew = bootstrap(load_settings(home=Path(home), database_url=url, search_per_minute=100_000))
        ew.migrate()
        out: dict[str, Any] = {"built": round(_build(ew, args.items, args.parties), 1), "requests": []}
        users.add_user(ew.uow(), BENCH, "bench-admin", "bench-password-1", "administrator")
        token = users.issue_token(ew.uow(), BENCH, "bench-admin", "bench").secret
        engine = ew.engine
        counts = {"statements": 0, "rows": 0}

        def before(*_args: Any) -> None:
            counts["statements"] += 1

        def after(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            # psycopg reports a SELECT's rows; SQLite does not, so its rows are counted as fetched (below).
            if engine.dialect.name == "postgresql" and cursor.rowcount > 0 and statement.lstrip().upper().startswith(
                    ("SELECT", "WITH")):
                counts["rows"] += cursor.rowcount

        def on_connect(dbapi_conn: Any, _record: Any) -> None:
            if engine.dialect.name == "sqlite":
                def count_row(_cursor: Any, row: tuple[Any, ...]) -> tuple[Any, ...]:
                    counts["rows"] += 1
                    return row
                dbapi_conn.row_factory = count_row

        engine.dispose()
        sa.event.listen(engine, "connect", on_connect)
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        with TestClient(create_app(ew.settings, endwatch=ew), base_url="https://testserver") as client:
            h = {"Authorization": f"Bearer {token}"}

            def timed(label: str, request: Callable[[], None], before: Callable[[], None] | None = None) -> None:
                request()  # untimed: templates, caches
                times = []
                for _ in range(args.queries):
                    if before is not None:
                        before()
                    counts.update(statements=0, rows=0)
                    t0 = time.perf_counter()
                    request()
                    times.append((time.perf_counter() - t0) * 1000)
                row = {"url": label, "statements": counts["statements"], "rows": counts["rows"],
                       "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
                print(kind, row, flush=True)
                out["requests"].append(row)

            def get(path: str) -> None:
                r = client.get(path, headers=h)
                assert r.status_code == 200, (path, r.status_code)

            def near(serial: str, manufacturer: str, model: str) -> None:
                with ew.reader() as uow:
                    near_candidates(uow, serial, manufacturer, model)

            for path in URLS:
                timed(path, partial(get, path))
            touched = iter(range(1_000_000))

            def write() -> None:
                save_party(ew.uow(), BENCH, Party("bench-touch", f"Touched {next(touched)}", PartyKind.COMPANY, "CA"))

            for path in AFTER_WRITE:
                timed(path + " after a write", partial(get, path), write)
            for reading in READINGS:
                timed("near_candidates" + repr(reading), partial(near, *reading))
        return out


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--items", type=int, default=200_000)
    p.add_argument("--parties", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=7)
    args = p.parse_args()
    each_database(args.databases, "party_reads", lambda kind, url: _run(kind, url, args))


if __name__ == "__main__":
    main()
