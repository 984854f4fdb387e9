"""What a check found, from where it comes: typed serials, an uploaded CSV or XLSX file (read by the exchange
format's reader, so every cell is checked as an import's is: file, line and column named), or sightings
already recorded. Each gives FoundItem records; nothing here writes.
"""

from __future__ import annotations

import csv
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from endwatch.domain import text as rules
from endwatch.errors import InvalidInput, Problem
from endwatch.exchange.reader import read_rows
from endwatch.exchange.schema import Column, FileSpec
from endwatch.services.monitoring.store import FoundItem
from endwatch.services.uow import UnitOfWork

# The columns of a file of found items (CSV, or the first sheet of an XLSX workbook, header on the first row).
FOUND_ITEMS = FileSpec(
    "found items",
    (
        Column("serial", required=True, doc="Serial number as read on the item.", rule=rules.serial(100)),
        Column("model", doc="Model as marked.", rule=rules.name(200)),
        Column("place", doc="Where the item was found, in words; blank: the check's place."),
        Column("user_id", doc="Party id of who holds the item; blank: the declared end user, or `user`."),
        Column("user", doc="Who holds the item, in words, when not a party of the registry.", rule=rules.name(300)),
        Column("condition", doc="The item's condition (serviceable, damaged, destroyed...).", rule=rules.name(100)),
    ),
    key=("serial",),
    doc="What a check found: one item a line.",
)

MAX_FILE_BYTES = 20 * 1024 * 1024


def typed(serials: Sequence[str], *, place: str = "", user_id: str | None = None, user: str = "",
          condition: str = "") -> list[FoundItem]:
    """Found items from typed serials (blank lines skipped), all with the same place, user and condition."""
    return [FoundItem(s.strip(), place=place, user_id=user_id or None, user_name=user, condition=condition)
            for s in serials if s.strip()]


def from_file(path: Path, label: str | None = None) -> list[FoundItem]:
    """Found items from a CSV file or an XLSX workbook (told by its content, not its name). InvalidInput names
    every bad line and cell; nothing is returned then."""
    name = label or path.name
    try:
        size = path.stat().st_size
        head = path.open("rb").read(4)
    except OSError as exc:
        raise InvalidInput([Problem(f"cannot read: {exc.strerror}", name)]) from None
    if size > MAX_FILE_BYTES:
        raise InvalidInput([Problem(f"the file is {size} bytes, more than {MAX_FILE_BYTES}", name)])
    if head == b"PK\x03\x04":
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "found.csv"
            _xlsx_to_csv(path, csv_path, name)
            return _read(csv_path, name)
    return _read(path, name)


def _read(path: Path, name: str) -> list[FoundItem]:
    problems: list[Problem] = []
    items = []
    for row in read_rows(path, FOUND_ITEMS, problems):
        items.append(FoundItem(row["serial"], row["model"] or "", row["place"] or "", row["user_id"] or None,
                               row["user"] or "", row["condition"] or "", "file"))
    problems = [Problem(p.message, name, p.line, p.column) for p in problems]
    if not items and not problems:
        problems.append(Problem("the file lists no item", name))
    if problems:
        raise InvalidInput(problems)
    return items


def _xlsx_to_csv(path: Path, out: Path, name: str) -> None:
    """The first sheet of a workbook as CSV text, every cell as shown (dates as ISO days)."""
    import datetime as dt

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput([Problem(f"not a readable XLSX workbook ({type(exc).__name__})", name)]) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise InvalidInput([Problem("the workbook has no sheet", name)])
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            for values in sheet.iter_rows(values_only=True):
                cells = []
                for v in values:
                    if v is None:
                        cells.append("")
                    elif isinstance(v, dt.datetime):
                        cells.append(v.date().isoformat())
                    elif isinstance(v, float) and v.is_integer():
                        cells.append(str(int(v)))  # a serial typed as a number
                    else:
                        cells.append(str(v))
                writer.writerow(cells)
    finally:
        book.close()


def from_sightings(uow: UnitOfWork, ids: Sequence[str]) -> list[FoundItem]:
    """Found items taken from recorded sightings (their serial, model, place and observed user)."""
    with uow:
        found = uow.detection.get_sightings(list(ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput([Problem(f"unknown sighting {i!r}", column="sightings") for i in missing])
    return [FoundItem(s.serial, s.model, s.place, None, s.observed_user, "", "sighting", s.id)
            for s in (found[i] for i in ids)]
