"""`python -m bench.screening_load`: a restricted-party export shaped like OpenSanctions' default collection
loaded and screened against a registry of parties, then a delta adding entities (incremental screening).

The export is synthesised from the shapes of tests/data's real sample (yente's Zala fixture): per 10 lines
about 4 listed entities (companies, organisations, people with 1-4 names and aliases, Latin and Cyrillic
script, one to three countries), 3 `Sanction` entities naming them (programme, authority, start date) and 3
lines of context (addresses, `target: false` registry records). Parties: companies and people with made-up
names, one in fifty spelling a listed name. Peak RSS is the process's maximum resident set (getrusage).
Writes its section of BENCHMARKS.md. SQLite only (the load is one process's work; PostgreSQL not measured).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench import BENCH, write_section
from endwatch.bootstrap import Endwatch, bootstrap
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.assessment.screening import load_list
from endwatch.services.registry.imports import import_folder
from endwatch.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
TARGET_LOAD_S, TARGET_RSS_GB, TARGET_ADD_S = 300.0, 4.0, 10.0
# Syllables onset + vowel + coda (about 2,000): names as varied as a real list's, so that blocking keys
# collide about as often as they do on real names (a small syllable set makes every name a near-miss).
SYLLABLES = [o + v + c for o in ("b", "br", "ch", "d", "dr", "f", "g", "gr", "h", "k", "kr", "l", "m", "n", "p",
                                 "pr", "r", "s", "sh", "st", "t", "tr", "v", "z", "zh")
             for v in ("a", "e", "i", "o", "u", "ya", "ai", "ou")
             for c in ("", "n", "r", "l", "s", "k", "m", "t", "v", "sk")]
CYRILLIC = str.maketrans("abdegiklmnoprstuvz", "абдегиклмнопрстувз")
FORMS = ["LLC", "JSC", "Ltd", "OOO", "GmbH", "Co.", "Group", "Holding", "Trading FZE", "SA"]
COUNTRIES = ["ru", "ir", "by", "kp", "sy", "cn", "ae", "tr", "ua", "kz", "am", "az", "ve", "mm"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _entity(rng: random.Random, i: int) -> dict[str, object]:
    person = rng.random() < 0.45
    if person:
        first, middle, last = _word(rng), _word(rng) + "ovich", _word(rng).upper()
        names = [f"{first} {middle} {last}", f"{first} {last}".translate(CYRILLIC)]
        born = f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        props: dict[str, list[str]] = {"name": names[:1], "alias": names[1:], "firstName": [first],
                                       "lastName": [last], "birthDate": [born]}
    else:
        base = " ".join(_word(rng) for _ in range(rng.randint(1, 3)))
        props = {"name": [f"{base} {rng.choice(FORMS)}"]}
        if rng.random() < 0.5:
            props["alias"] = [base.upper(), base.translate(CYRILLIC)]
        if rng.random() < 0.2:
            props["previousName"] = [f"{_word(rng)} {rng.choice(FORMS)}"]
    props["country"] = rng.sample(COUNTRIES, rng.randint(1, 3))
    props["topics"] = ["sanction"]
    return {"id": f"NK-bench-{i}", "schema": "Person" if person else rng.choice(["Company", "Organization"]),
            "properties": props, "datasets": ["bench_default"], "target": True,
            "first_seen": "2023-04-20T18:00:25", "last_seen": "2024-06-01T10:57:03"}


def write_export(path: Path, entities: int, seed: int, start: int = 0) -> list[str]:
    """Write about `entities` lines (4 in 10 listed) and return some listed names (for parties to hit)."""
    rng = random.Random(seed)
    names: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        i = start
        while i < start + entities:
            kind = rng.random()
            if kind < 0.4:
                e = _entity(rng, i)
                props = e["properties"]
                assert isinstance(props, dict)
                if len(names) < 100_000:
                    names.append(props["name"][0])
            elif kind < 0.7:
                e = {"id": f"NK-bench-s{i}", "schema": "Sanction", "target": False, "datasets": ["bench_default"],
                     "properties": {"entity": [f"NK-bench-{i - 1}"], "program": [rng.choice(["RUSSIA-EO14024",
                                    "UKR", "IRAN-EO13846"])], "authority": [rng.choice([
                                        "Office of Foreign Assets Control", "Council of the European Union"])],
                                    "startDate": [f"202{rng.randint(0, 4)}-0{rng.randint(1, 9)}-2{rng.randint(0, 8)}"]}}
            else:
                e = {"id": f"NK-bench-a{i}", "schema": rng.choice(["Address", "Company"]), "target": False,
                     "datasets": ["bench_default"], "properties": {"full": [f"{rng.randint(1, 99)} {_word(rng)} St"],
                                                                  "name": [_word(rng)]}}
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
            i += 1
    return names


def write_delta(path: Path, entities: int, seed: int, start: int) -> None:
    """A delta file adding `entities` listed entities."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(start, start + entities):
            fh.write(json.dumps({"op": "ADD", "entity": _entity(rng, i)}, ensure_ascii=False) + "\n")


def parties(count: int, listed: list[str], seed: int) -> list[Party]:
    rng = random.Random(seed + 1)
    out = []
    for i in range(count):
        if i % 50 == 0 and listed:
            name = rng.choice(listed)
        else:
            name = " ".join(_word(rng) for _ in range(rng.randint(1, 3))) + " " + rng.choice(FORMS)
        out.append(Party(f"p{i}", name, PartyKind.COMPANY, rng.choice(COUNTRIES).upper()))
    return out


def import_parties(ew: Endwatch, home: Path, count: int, listed: list[str], seed: int) -> None:
    """Import `parties(count, listed, seed)` into `ew` as a registry folder under `home` (set-up, not measured)."""
    registry = home / "registry"
    registry.mkdir(exist_ok=True)
    with (registry / "parties.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "kind", "country", "parent_id", "aliases", "former_names"])
        for p in parties(count, listed, seed):
            out.writerow([p.id, p.name, p.kind.value, p.country, "", "", ""])
    import_folder(ew.uow(), BENCH, registry)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--parties", type=int, default=10_000)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        export, delta = home / "default.ftm.json", home / "added.delta.json"
        listed = write_export(export, args.lines, args.seed)
        write_delta(delta, args.add, args.seed + 7, args.lines * 2)
        ew = bootstrap(load_settings(home=home, database_url=f"sqlite:///{home / 'bench.db'}"),
                       clock=lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
        ew.migrate()
        import_parties(ew, home, args.parties, listed, args.seed)  # the benchmark's set-up, not measured
        t0, c0 = time.perf_counter(), time.process_time()
        first = load_list(ew.uow(), BENCH, export, listed_on=date(2024, 6, 1))
        t1, c1 = time.perf_counter(), time.process_time()
        rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
        added = load_list(ew.uow(), BENCH, delta, listed_on=date(2024, 6, 2), dataset=first.dataset)
        t2, c2 = time.perf_counter(), time.process_time()
        ew.close()
        size = (home / "bench.db").stat().st_size / 1e6
    load_s, add_s = t1 - t0, t2 - t1
    load_cpu, add_cpu = c1 - c0, c2 - c1
    met = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    lines = [
        f"Export of {args.lines:,} lines ({first.entities:,} listed entities, {first.skipped:,} Sanction and context"
        f" lines) loaded and screened against {args.parties:,} parties in {load_s:.1f} s ({load_cpu:.1f} s of CPU;"
        " target < 300 s for"
        f" 1,000,000 lines: {met(load_s < TARGET_LOAD_S) if args.lines >= 1_000_000 else 'not run at full size'});"
        f" {first.hits:,} hits; peak RSS {rss_gb:.2f} GB (target < 4 GB: {met(rss_gb < TARGET_RSS_GB)});"
        f" database {size:.0f} MB.",
        f"Delta adding {added.changed:,} entities applied and screened incrementally in {add_s:.1f} s"
        f" ({add_cpu:.1f} s of CPU; target < 10 s:"
        f" {met(add_s < TARGET_ADD_S)}); {added.hits:,} hits after.",
    ]
    print("\n".join(lines))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    write_section(ROOT / "BENCHMARKS.md", "screening-load", "\n".join([
        "## Screening: a list shaped like OpenSanctions' default collection, loaded and screened incrementally",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine ({os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}); load average {load} (the machine is shared). SQLite.",
        f"Reproduce: `python -m bench.screening_load --lines {args.lines} --parties {args.parties} --add {args.add}"
        f" --seed {args.seed}`. The load includes reading, storing, screening and re-assessment (an empty registry"
        " of permits: the re-assessment is not what is measured here).",
        "",
        *(f"- {line}" for line in lines),
    ]))


if __name__ == "__main__":
    main()
