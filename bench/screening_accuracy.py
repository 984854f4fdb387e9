"""`python -m bench.screening_accuracy`: screening's recall and false hits on the labelled set
(tests/data/screening_labelled.csv), for endwatch's matcher at several thresholds and, for comparison, for
the single rapidfuzz token-sort ratio endwatch used before (score 85). Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import csv
import time
from datetime import date
from pathlib import Path

from rapidfuzz import fuzz, utils

from bench import write_section
from endwatch.domain.parties import Party, PartyKind
from endwatch.services.assessment.screening import match_parties, read_entities
from endwatch.services.assessment.screening_match import THRESHOLD

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LISTS = ("yente-zala.ftm.json", "opensanctions-sample.ftm.json", "public-lists.ftm.json")


def main() -> None:
    """Measure and write the section."""
    entities = [e for name in LISTS for e in read_entities(DATA / name, date(2024, 1, 1))[0]]
    with (DATA / "screening_labelled.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parties = [Party(f"row{i}", r["query"], PartyKind(r["kind"]), r["country"] or None) for i, r in enumerate(rows)]
    positives = [(f"row{i}", r) for i, r in enumerate(rows) if r["expected"]]
    innocents = [(f"row{i}", r) for i, r in enumerate(rows) if not r["expected"]]
    started = time.perf_counter()
    all_hits = match_parties(parties, entities, 0.0)
    seconds = time.perf_counter() - started
    lines = ["## Screening accuracy (labelled set of real public names)", "",
             f"{len(positives)} listed names as officers type them, {len(innocents)} innocent names (real companies"
             f" and people, near-misses); {len(entities)} listed entities (tests/data: yente's Zala fixture,"
             " the OpenSanctions sample, public sanctions lists). Reproduce: `python -m bench.screening_accuracy`.",
             "", "| matcher | threshold | recall | missed | false hits on innocent names | which |",
             "|---|---|---|---|---|---|"]
    for threshold in (70.0, 75.0, THRESHOLD, 85.0, 90.0):
        hits: dict[str, set[str]] = {}
        for h in all_hits:
            if h.score >= threshold:
                hits.setdefault(h.party_id, set()).add(h.entity_id)
        missed = [r["query"] for pid, r in positives if not hits.get(pid, set()) & {r["expected"], r["either"]}]
        false = [r["query"] for pid, r in innocents if hits.get(pid)]
        mark = " (default)" if threshold == THRESHOLD else ""
        lines.append(f"| endwatch (services/names){mark} | {threshold:.0f} | {1 - len(missed) / len(positives):.3f}"
                     f" | {', '.join(missed) or '-'} | {len(false)}/{len(innocents)}"
                     f" ({len(false) / len(innocents):.1%}) | {', '.join(false) or '-'} |")
    names = [(e.id, n) for e in entities for n in e.names]
    old_missed, old_false = [], []
    for _, r in positives + innocents:
        found = {eid for eid, n in names
                 if fuzz.token_sort_ratio(r["query"], n, processor=utils.default_process) >= 85}
        if r["expected"] and not found & {r["expected"], r["either"]}:
            old_missed.append(r["query"])
        if not r["expected"] and found:
            old_false.append(r["query"])
    lines.append(f"| rapidfuzz token-sort ratio (before) | 85 | {1 - len(old_missed) / len(positives):.3f} |"
                 f" {len(old_missed)} missed | {len(old_false)}/{len(innocents)}"
                 f" ({len(old_false) / len(innocents):.1%}) | {', '.join(old_false) or '-'} |")
    lines += ["", f"Screening the {len(parties)} names against the {len(entities)} entities took {seconds:.2f} s"
              " (blocking, then the full comparison)."]
    write_section(ROOT / "BENCHMARKS.md", "screening-accuracy", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
