"""The public figures read as GROUP BY queries equal, figure for figure, those computed before by loading
every permit and item (tests/integration/transparency_reference.py), small-cell protection included: on a
varied registry, for several days and thresholds, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from tests.integration.test_roundtrip import write_world
from tests.integration.test_transparency import PARTIES, _permit, load, world
from tests.integration.transparency_reference import reference_transparency
from tests.principals import person

from endwatch.services.registry.imports import import_folder
from endwatch.services.reporting.transparency import SmallCells, transparency

DAYS = [date(2019, 5, 1), date(2020, 7, 1), date(2021, 2, 10), date(2022, 1, 3)]
RULES = [SmallCells(), SmallCells(1, 1), SmallCells(2, 1), replace(SmallCells(), min_permits=5),
         SmallCells(3, 2)]
# A product under two entries, one under one, and one under none ("unlisted").
PRODUCTS = [["g1", "e1", "Turret", "", "2-15", "", ""], ["g2", "e1", "Software", "", "2-15|ML15", "", ""],
            ["g3", "e2", "Mount", "", "", "", ""]]


def varied_world(seed: int) -> dict[str, list[list[str]]]:
    """Eighty permits of four exporters to five destinations over 2018-2021 and their deliveries."""
    rng = random.Random(seed)
    permits, deliveries = [], []
    for n in range(80):
        issued = date(2018, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        quantity = rng.randint(1, 6)
        number = f"P-{n:03d}"
        permits.append(_permit(number, rng.choice(["e1", "e2", "e3", "e4"]), rng.choice(["TR", "AM", "AZ", "DE", "IN"]),
                               rng.choice(["g1", "g2", "g3"]), quantity, issued.isoformat()))
        for i in range(rng.randint(0, quantity)):
            day = issued + timedelta(days=rng.randrange(300))
            deliveries.append([number, day.isoformat(), f"SN-{n:03d}-{i}", "c"])
    for p in permits:
        p[11] = "2023-12-31"  # valid long enough for every delivery
    return {"parties.csv": PARTIES, "products.csv": PRODUCTS, "permits.csv": permits, "deliveries.csv": deliveries,
            "status_changes.csv": []}


def _same_everywhere(ew: object) -> int:
    compared = 0
    for today in DAYS:
        for rules in RULES:
            sql = transparency(ew.reader(), today, rules)  # type: ignore[attr-defined]
            assert sql == reference_transparency(ew.reader(), today, rules), (today, rules)  # type: ignore[attr-defined]
            compared += len(sql.rows)
    return compared


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_figures_equal_the_loaded_ones(ew, tmp_path, seed: int) -> None:
    write_world(tmp_path / "w", varied_world(seed))
    import_folder(ew.uow(), person("tester"), tmp_path / "w")
    assert _same_everywhere(ew) > 50  # rows compared, suppressed and published alike


def test_the_small_cells_fixture_is_unchanged(ew, tmp_path) -> None:
    load(ew, tmp_path)
    assert _same_everywhere(ew) > 0
    assert world()["permits.csv"]  # the fixture of tests/integration/test_transparency.py


def test_figures_are_two_aggregate_reads(ew, tmp_path) -> None:
    """No permit or item is loaded: the figures cost the two GROUP BY queries and the entries' lookup."""
    import sqlalchemy as sa

    write_world(tmp_path / "w", varied_world(3))
    import_folder(ew.uow(), person("tester"), tmp_path / "w")
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(ew.engine, "before_cursor_execute", before)
    try:
        transparency(ew.reader(), date(2022, 1, 3))
    finally:
        sa.event.remove(ew.engine, "before_cursor_execute", before)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 4 and sum("GROUP BY" in s for s in selects) == 2, selects
