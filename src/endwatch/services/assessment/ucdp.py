"""Reading the UCDP/PRIO Armed Conflict Dataset as published (and its re-saves with fewer columns) into
conflicts with roles: one record per conflict-year, grouped by UCDP's conflict id.

Columns read: conflict_id, location, side_a, side_a_2nd, side_b, side_b_2nd, territory_name, year,
intensity_level, type_of_conflict, the episode's start (start_date2, else start_date) and end (ep_end_date,
else end_date), gwno_a, gwno_a_2nd, gwno_b, gwno_b_2nd, gwno_loc. Dates as YYYY-MM-DD (the official
release) or DD-MM-YYYY (some re-saves). Gleditsch-Ward numbers become codes through endwatch.gleditsch_ward.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from endwatch.domain.risk.model import Conflict, ConflictRole, Role
from endwatch.errors import InvalidInput, Problem
from endwatch.gleditsch_ward import code_of

REQUIRED = ("conflict_id", "location", "side_a", "side_b", "year", "intensity_level", "type_of_conflict",
            "gwno_a", "gwno_loc")
KINDS = {"1": "extrasystemic", "2": "interstate", "3": "intrastate", "4": "internationalised intrastate"}
SOURCE = "UCDP/PRIO Armed Conflict Dataset"


class _Row:
    """One data line, with the problems found in it collected against its line and columns."""

    def __init__(self, values: dict[str, str], line: int, file: str, problems: list[Problem]) -> None:
        self.values, self.line, self.file, self.problems = values, line, file, problems
        self.ok = True

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def fail(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(message, self.file, self.line, column))


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _date(row: _Row, *columns: str) -> date | None:
    """The first non-blank of these columns as a date (a problem when it is not one)."""
    for column in columns:
        text = row.get(column)
        if text:
            try:
                return _parse_date(text)
            except ValueError:
                row.fail(column, f"{text!r} is not a date (YYYY-MM-DD or DD-MM-YYYY)")
                return None
    return None


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _codes(row: _Row, column: str, year: int) -> list[str]:
    codes: list[str] = []
    for part in _split(row.get(column)):
        try:
            gwno = int(part)
        except ValueError:
            row.fail(column, f"{part!r} is not a Gleditsch-Ward number")
            continue
        code = code_of(gwno, year)
        if code is None:
            row.fail(column, f"Gleditsch-Ward number {gwno} is not in the table (docs/country-codes.md)")
            continue
        codes.append(code)
    return codes


def _roles(row: _Row, role: Role, side: str, names_col: str, codes_col: str, year: int) -> list[ConflictRole]:
    """Roles of one side: states by their GW numbers (paired with the "Government of" names in order when
    the counts agree), and non-state actors by name alone."""
    names = _split(row.get(names_col))
    codes = _codes(row, codes_col, year)
    governments = [n for n in names if n.lower().startswith("government of")]
    others = [n for n in names if not n.lower().startswith("government of")]
    paired = len(governments) == len(codes)
    roles = [ConflictRole(role, code, side, governments[i] if paired else "") for i, code in enumerate(codes)]
    if not paired:
        # Names that cannot be paired with a number are kept as actors without a code.
        others += governments
    roles += [ConflictRole(role, None, side, n) for n in others]
    return roles


def _rows(path: Path, problems: list[Problem]) -> Iterator[_Row]:
    name = path.name
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", name))
        return
    with fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if not any(c in header for c in ("start_date2", "start_date")):
            missing.append("start_date2 or start_date")
        if missing:
            problems.append(Problem(f"not the UCDP/PRIO Armed Conflict Dataset: missing column(s) {', '.join(missing)}",
                                    name, 1))
            return
        line = 1
        try:
            for values in reader:
                yield _Row(values, line + 1, name, problems)
                line = reader.line_num
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(Problem(f"unreadable: {exc}", name, line + 1))


def read_ucdp(path: Path, known_on: date, *, release: str = "") -> list[Conflict]:
    """Every conflict-year of the file as a Conflict known from `known_on`. Raises InvalidInput naming every
    problem (file, line, column) and returns nothing when there is one."""
    problems: list[Problem] = []
    parsed: list[tuple[_Row, int, date, date | None, tuple[ConflictRole, ...]]] = []
    for row in _rows(path, problems):
        year_text = row.get("year")
        try:
            year = int(year_text)
        except ValueError:
            row.fail("year", f"{year_text!r} is not a year")
            continue
        intensity = row.get("intensity_level")
        if intensity not in ("1", "2"):
            row.fail("intensity_level", f"{intensity!r} is not an intensity level (1 minor, 2 war)")
        kind = row.get("type_of_conflict")
        if kind not in KINDS:
            row.fail("type_of_conflict", f"{kind!r} is not a type of conflict (1 to 4)")
        start = _date(row, "start_date2", "start_date")
        if start is None and row.ok:
            row.fail("start_date2" if "start_date2" in row.values else "start_date", "the episode's start is missing")
        end = _date(row, "ep_end_date", "end_date")
        if end is not None and end.year != year:
            row.fail("ep_end_date" if "ep_end_date" in row.values else "end_date",
                     f"the episode ends in {end.year}, not in the row's year {year}")
        roles = [*(ConflictRole(Role.LOCATION, code, "", "") for code in _codes(row, "gwno_loc", year)),
                 *_roles(row, Role.PRIMARY, "A", "side_a", "gwno_a", year),
                 *_roles(row, Role.SECONDARY, "A", "side_a_2nd", "gwno_a_2nd", year),
                 *_roles(row, Role.PRIMARY, "B", "side_b", "gwno_b", year),
                 *_roles(row, Role.SECONDARY, "B", "side_b_2nd", "gwno_b_2nd", year)]
        if not row.get("conflict_id"):
            row.fail("conflict_id", "the conflict id is missing")
        if row.ok and start is not None:
            parsed.append((row, year, start, end, tuple(roles)))
    last_year = max((p[1] for p in parsed), default=0)
    conflicts: dict[str, Conflict] = {}
    for row, year, start, end, row_roles in parsed:
        cid = row.get("conflict_id")
        started = max(start, date(year, 1, 1))
        # A year without an episode end runs to the year's end, or on (ongoing) in the dataset's last year.
        ended = end if end is not None else (None if year == last_year else date(year, 12, 31))
        if ended is not None and ended < started:
            row.fail("ep_end_date" if "ep_end_date" in row.values else "end_date", "the episode ends before it starts")
            continue
        key = f"ucdp-{cid}-{year}"
        if key in conflicts:
            row.fail("year", f"conflict {cid} has a second row for {year}")
            continue
        territory = row.get("territory_name")
        name = f"{row.get('side_a')} vs {row.get('side_b')}" + (f" over {territory}" if territory else "")
        countries = tuple(dict.fromkeys(r.country for r in row_roles if r.country))
        source = f"{SOURCE}{' ' + release if release else ''}, conflict {cid}, {year} ({row.file}:{row.line})"
        conflicts[key] = Conflict(key, f"{name} (UCDP {cid})", countries, started, ended, (), source,
                                  int(row.get("intensity_level")), row_roles, known_on, f"ucdp-{cid}",
                                  KINDS[row.get("type_of_conflict")])
    if problems:
        raise InvalidInput(problems)
    if not conflicts:
        raise InvalidInput([Problem("no conflict-year in the file", path.name)])
    return list(conflicts.values())
