"""The synthetic world: reproducible from its seed, importable, and detection agrees with its truth."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.principals import person

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.services.detection.run import detect
from endwatch.services.registry.imports import import_folder
from endwatch_demo.synth import synthesize


def test_same_seed_same_world(tmp_path: Path) -> None:
    a = synthesize(tmp_path / "a", items=500, sightings=50, seed=9)
    synthesize(tmp_path / "b", items=500, sightings=50, seed=9)
    assert a.items == 500 and a.sightings == 50
    for name in ("deliveries.csv", "sightings.csv", "truth.csv", "permits.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_detection_agrees_with_truth_on_clean_readings(ew: Endwatch, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli.invoke(app, ["synth", str(tmp_path / "w"), "--items", "1500", "--sightings", "200", "--seed", "5"])
    assert result.exit_code == 0, result.output
    import_folder(ew.uow(), person("bench"), tmp_path / "w")
    verdicts = {r.finding.sighting_id: r for r in detect(ew, person("bench")).results}
    truth = list(csv.DictReader((tmp_path / "w" / "truth.csv").open(encoding="utf-8")))
    assert len(verdicts) == len(truth) == 200
    clean = [t for t in truth if t["error"] in ("clean", "format") and t["in_registry"] == "yes"]
    assert clean
    for t in clean:
        r = verdicts[t["sighting_id"]]
        # A clean reading of a delivered item is matched exactly (a blank maker may tie with another maker).
        if r.finding.verdict != "ambiguous":
            assert r.finding.serial == t["serial"], t
            assert r.finding.verdict in (t["expected"], "anomaly"), (t, r.finding.reasons)
    foreign = [t for t in truth if t["in_registry"] == "no" and t["error"] in ("clean", "format")]
    assert all(verdicts[t["sighting_id"]].finding.verdict in ("unmatched", "ambiguous", "diversion")
               for t in foreign)
