"""`python -m bench.screening_save`: how long a party's save holds the write lock when restricted-party lists are
loaded (the saved party is screened against every stored entity in the same use case).

Loads an export synthesised as `bench.screening_load` writes it (`--lines` lines, about 4 in 10 listed entities)
against a registry of `--parties` parties, then saves `--saves` parties one after the other through
`save_party` as the command line does (`endwatch party add`): each a new party, every other one spelling a
listed name (so it is screened into a hit). For each save it times the whole call and the time the write held
the lock (from the write's start to its commit: `services.gate.write`'s block). SQLite and PostgreSQL.
Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench import BENCH, scratch_postgres, write_section
from bench.screening_load import import_parties, write_export
from endwatch.bootstrap import bootstrap
from endwatch.domain.parties import Party, PartyKind
from endwatch.services import gate
from endwatch.services.assessment.screening import list_hits, load_list
from endwatch.services.registry import parties as party_service
from endwatch.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
HELD: list[float] = []


def _timed_write() -> None:
    """Record how long each write's block runs (the lock is held from its start to its commit)."""
    original = gate.write

    @contextmanager
    def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
        start = time.perf_counter()
        try:
            with original(*args, **kwargs) as w:
                yield w
        finally:
            HELD.append(time.perf_counter() - start)

    gate.write = timed  # type: ignore[assignment]
    if getattr(party_service, "write", None) is original:
        party_service.write = timed  # type: ignore[attr-defined]


def run(database_url: str, home: Path, export: Path, listed: list[str], args: argparse.Namespace) -> dict[str, Any]:
    ew = bootstrap(load_settings(home=home, database_url=database_url),
                   clock=lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    ew.migrate()
    import_parties(ew, home, args.parties, listed, args.seed)
    first = load_list(ew.uow(), BENCH, export, listed_on=date(2024, 6, 1))
    calls, held = [], []
    for i in range(args.saves):
        name = listed[i * 7 % len(listed)] if i % 2 == 0 else f"Quiet Harbour Trading {i} Ltd"
        party = Party(f"saved-{i}", name, PartyKind.COMPANY, "AE")
        HELD.clear()
        start = time.perf_counter()
        party_service.save_party(ew, BENCH, party, "benchmark", then=ew.party_saved)
        calls.append(time.perf_counter() - start)
        held.append(max(HELD) if HELD else 0.0)
    hits = sum(1 for h in list_hits(ew.reader()) if h.party_id.startswith("saved-"))
    ew.close()
    return {"entities": first.entities, "calls": calls, "held": held, "hits": hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--parties", type=int, default=1000)
    parser.add_argument("--saves", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    _timed_write()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "default.ftm.json"
        listed = write_export(export, args.lines, args.seed)
        for kind in args.databases.split(","):
            home = Path(tmp) / kind
            home.mkdir()
            if kind == "sqlite":
                result = run(f"sqlite:///{home / 'bench.db'}", home, export, listed, args)
            else:
                with scratch_postgres("screening_save") as db:
                    result = run(db.url, home, export, listed, args)
            load = os.getloadavg()[0]
            rows.append((kind, result, load))
            print(kind, result, load, flush=True)
    lines = [
        "## Screening: how long a party's save holds the write lock with a large list loaded",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine ({os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}). Reproduce: `python -m bench.screening_save --lines {args.lines}"
        f" --parties {args.parties} --saves {args.saves} --seed {args.seed}`.",
        "",
        "| database | listed entities | saves | save call, median / max (s) | write lock held, median / max (s) |"
        " hits of the saved parties | 1-min load after |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, r, load in rows:
        lines.append(f"| {kind} | {r['entities']:,} | {len(r['calls'])} | {statistics.median(r['calls']):.2f} /"
                     f" {max(r['calls']):.2f} | {statistics.median(r['held']):.3f} / {max(r['held']):.3f} |"
                     f" {r['hits']} | {load:.1f} |")
    print("\n".join(lines))
    write_section(Path(args.out), "screening-save",
                  "\n".join(lines))


if __name__ == "__main__":
    main()
