"""`python -m bench.assessment`: how long continuous re-assessment takes on a larger registry.

    python -m bench.assessment [--permits N] [--seed S]

Writes a random registry (200 exporters, 300 consignees, 400 products, 12 destinations; N permits in
force and N/3 pending applications) to a temporary folder, imports it into a fresh SQLite database,
then times a baseline `reassess_all`, and the import of one new conflict (two of the twelve states),
which re-assesses everything inside the import's transaction. Prints the results; never part of the
test suite.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench import BENCH, write_section
from endwatch.bootstrap import bootstrap
from endwatch.services.assessment.reassessment import reassess_all, watchlist
from endwatch.services.registry.imports import import_folder
from endwatch.settings import load_settings

COUNTRIES = ["TR", "AZ", "AM", "AE", "SA", "IN", "BR", "DE", "FR", "PL", "EG", "QA"]
ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 22)
GOODS = ["exporter_id", "consignee_id", "end_user_id", "destination", "product_id", "quantity", "value", "currency"]
UNDERTAKING = ["end_use", "no_reexport", "signatory", "signed_on"]


def _write(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


def write_world(folder: Path, permits: int, seed: int) -> None:
    """A random registry in the exchange format."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    parties: list[list[object]] = [[f"{c.lower()}-state", c, "state", c, "", "", ""] for c in COUNTRIES]
    parties += [[f"{c.lower()}-forces", f"{c} forces", "armed_force", c, f"{c.lower()}-state", "", ""]
                for c in COUNTRIES]
    parties += [[f"maker{i}", f"Maker {i}", "company", "CA", "", "", ""] for i in range(200)]
    parties += [[f"imp{i}", f"Importer {i}", "company", rnd.choice(COUNTRIES), "", "", ""] for i in range(300)]
    _write(folder, "parties.csv", ["id", "name", "kind", "country", "parent_id", "aliases", "former_names"], parties)
    _write(folder, "products.csv", ["id", "manufacturer_id", "model", "aliases", "category", "description", "family"],
           [[f"prod{i}", f"maker{i % 200}", f"M-{i}", "", "2-15", "", ""] for i in range(400)])

    def goods() -> list[object]:
        c, m = rnd.choice(COUNTRIES), rnd.randrange(400)
        return [f"maker{m % 200}", f"imp{rnd.randrange(300)}", f"{c.lower()}-forces", c, f"prod{m}", 1, "", ""]

    _write(folder, "permits.csv",
           ["number", "application_number", *GOODS, "issued_on", "expires_on", "status", *UNDERTAKING, "exception",
            "justification"],
           [[f"P{i}", "", *goods(), "2024-01-01", "2028-12-31", "issued", "use", "yes", "sig", "2023-12-01", "", ""]
            for i in range(permits)])
    _write(folder, "applications.csv", ["number", *GOODS, "received_on", *UNDERTAKING, "status"],
           [[f"A{i}", *goods(), "2026-06-01", "use", "yes", "sig", "2026-05-01", "received"]
            for i in range(permits // 3)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permits", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_world(home / "world", args.permits, args.seed)
        news = home / "news"
        news.mkdir()
        (news / "conflicts.csv").write_text("id,name,countries,party_ids,started_on,ended_on,source\n"
                                            "war,Bench war,AZ|AM,,2026-11-01,,bench\n", encoding="utf-8")
        ew = bootstrap(load_settings(home=home, database_url=f"sqlite:///{home / 'bench.db'}"),
                       clock=lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
        ew.migrate()
        t0 = time.perf_counter()
        import_folder(ew.uow(), BENCH, home / "world")
        t1 = time.perf_counter()
        baseline = reassess_all(ew, BENCH, TODAY, "baseline")
        t2 = time.perf_counter()
        import_folder(ew.uow(), BENCH, news)
        t3 = time.perf_counter()
        entries = watchlist(ew.reader())
        size = (home / "bench.db").stat().st_size
        ew.close()
    subjects = args.permits + args.permits // 3
    lines = [
        f"registry: {args.permits} permits in force, {args.permits // 3} pending applications (seed {args.seed})",
        f"import of the registry: {t1 - t0:.1f} s",
        f"baseline reassess_all: {t2 - t1:.1f} s for {subjects} subjects ({(t2 - t1) / subjects * 1000:.1f} ms each);"
        f" {len(baseline)} watch-list entries",
        f"conflict import with re-assessment: {t3 - t2:.1f} s; {len(entries)} watch-list entries",
        f"database size: {size / 1e6:.0f} MB",
    ]
    print("\n".join(lines))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    write_section(ROOT / "BENCHMARKS.md", "assessment", "\n".join([
        "## Assessment: continuous re-assessment (SQLite)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine ({os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}); load average {load}.",
        f"Reproduce: `python -m bench.assessment --permits {args.permits} --seed {args.seed}`.",
        "",
        *(f"- {line}" for line in lines),
    ]))


if __name__ == "__main__":
    main()
