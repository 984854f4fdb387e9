"""Gleditsch-Ward state numbers (as UCDP/PRIO uses them) to ISO 3166-1 alpha-2 codes, or to the documented
codes of former states (data/gleditsch_ward.csv; docs/country-codes.md explains every choice)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class GwState:
    """One line of the table: a GW number's code for the years it applies to (either bound may be open)."""

    gwno: int
    code: str
    from_year: int | None
    to_year: int | None
    name: str
    note: str


@cache
def table() -> tuple[GwState, ...]:
    """The whole table, in file order."""
    text = resources.files("endwatch").joinpath("data/gleditsch_ward.csv").read_text(encoding="utf-8")
    return tuple(GwState(int(r["gwno"]), r["code"], int(r["from_year"]) if r["from_year"] else None,
                         int(r["to_year"]) if r["to_year"] else None, r["name"], r["note"])
                 for r in csv.DictReader(text.splitlines()))


@cache
def _by_number() -> dict[int, tuple[GwState, ...]]:
    found: dict[int, list[GwState]] = {}
    for s in table():
        found.setdefault(s.gwno, []).append(s)
    return {k: tuple(v) for k, v in found.items()}


def code_of(gwno: int, year: int) -> str | None:
    """The code of a GW state in a year (Soviet Union until 1991, Russia after; Yugoslavia until 2005,
    Serbia after), or None for a number the table does not know."""
    states = _by_number().get(gwno, ())
    for s in states:
        if (s.from_year is None or s.from_year <= year) and (s.to_year is None or year <= s.to_year):
            return s.code
    # A year outside every bound (the table's bounds are the codes' years, not the state's): the nearest line.
    return min(states, key=lambda s: min(abs(year - (s.from_year or year)), abs(year - (s.to_year or year)))).code \
        if states else None
