"""Bulk sighting upload: a file of sightings in the exchange format's sightings.csv columns, as CSV or as an
XLSX workbook (told apart by the file's content, never its name), validated whole, then recorded and decided
in ONE write: every sighting of the file or none.

Validation comes first and reports every problem at once, each naming its row (the line of the CSV, the row
of the sheet; the header is row 1) and its column; a file with any problem writes nothing. The sightings,
the findings of the detection run they trigger, the cases it opens or joins and the re-assessment are then
one transaction, audited as one `sighting.upload` naming the file's digest and every id.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from endwatch.domain.sightings import Sighting
from endwatch.errors import InvalidInput, Problem
from endwatch.exchange.reader import read_rows
from endwatch.exchange.schema_detection import SIGHTINGS
from endwatch.services.authz import Action, Principal, require
from endwatch.services.detection.run import DetectionRun, detect_in
from endwatch.services.detection.sightings import _from_row, sighting_problems
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker

# Rows one upload may hold: larger files go through `endwatch import` on the server.
MAX_ROWS = 10_000


@dataclass(frozen=True)
class Uploaded:
    """What an upload recorded: the file's format (csv or xlsx), the sightings, and the detection run."""

    format: str
    sightings: list[Sighting]
    run: DetectionRun


def _cell(value: Any) -> str:
    # A sheet's dates and numbers as the exchange format writes them (a whole number without ".0").
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_csv(content: bytes, name: str) -> tuple[str, bytes]:
    """The upload's format (`csv` or `xlsx`, told by its content) and its rows as UTF-8 CSV.
    InvalidInput (column `file`) when it is neither, is empty, or has more than MAX_ROWS rows."""
    if not content.strip():
        raise InvalidInput([Problem("the file is empty", name, None, "file")])
    if content.startswith(b"PK\x03\x04"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
            raise InvalidInput([Problem("a ZIP file that is not a readable XLSX workbook", name, None,
                                        "file")]) from None
        sheet = book.worksheets[0] if book.worksheets else None
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for n, row in enumerate(sheet.iter_rows(values_only=True) if sheet is not None else (), start=1):
            if n > MAX_ROWS + 1:
                raise InvalidInput([Problem(f"more than {MAX_ROWS:,} rows: split the file", name, n, "file")])
            writer.writerow([_cell(v) for v in row])
        book.close()
        return "xlsx", out.getvalue().encode("utf-8")
    if b"\x00" in content:
        raise InvalidInput([Problem("neither CSV (UTF-8 text) nor XLSX, told by the file's content", name, None,
                                    "file")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([Problem(f"neither CSV in UTF-8 nor XLSX: byte {exc.start + 1} is not UTF-8", name,
                                    None, "file")]) from None
    if text.count("\n") > MAX_ROWS + 1:
        raise InvalidInput([Problem(f"more than {MAX_ROWS:,} rows: split the file", name, None, "file")])
    return "csv", content


def _checked(uow: UnitOfWork, data: bytes, name: str) -> list[Sighting]:
    """Every sighting of the file, or InvalidInput naming every problem (row and column)."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SIGHTINGS.name
        path.write_bytes(data)
        rows = list(read_rows(path, SIGHTINGS, problems))
    today = uow.now().date()
    first: dict[str, int] = {}
    found: list[Sighting] = []
    for row in rows:
        s = _from_row(row.values)
        check = Checker(name, row.line)
        sighting_problems(s, today, check)
        if s.id in first:
            check.fail("id", f"id {s.id!r} appears again (first on row {first[s.id]})")
        first.setdefault(s.id, row.line)
        problems.extend(check.problems)
        found.append(s)
    stored = uow.detection.sighting_ids([s.id for s in found]) if found else set()
    for row, s in zip(rows, found, strict=True):
        if s.id in stored:
            problems.append(Problem(f"sighting {s.id!r} is already recorded (sightings are evidence and are not"
                                    " edited: give a new observation its own id)", name, row.line, "id"))
    # The reader names the exchange file; the person uploading knows their own file's name.
    problems = [Problem(p.message, name, p.line, p.column) for p in problems]
    if not problems and not found:
        problems.append(Problem("no sightings in the file (only a header?)", name, None, "file"))
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: (p.line or 0, p.column or "")))
    return found


def upload_sightings(uow: UnitOfWork, principal: Principal, content: bytes, name: str, *,
                     reason: str = "web upload") -> Uploaded:
    """Record every sighting in the file and decide them, in one write (see the module's docstring).

    Raises Forbidden unless the principal may record sightings and run detection; InvalidInput naming every
    problem, with nothing written; Busy when the lock cannot be had (nothing written either)."""
    require(principal, Action.DETECTION_RUN)
    fmt, data = as_csv(content, name)
    with write(uow, principal, Action.SIGHTINGS_WRITE) as w:
        sightings = _checked(w.uow, data, name)
        w.uow.detection.add_sightings(sightings, w.uow.now().isoformat(timespec="seconds"), principal.username)
        w.record(action="sighting.upload", entity="sightings", key=name,
                 after={"count": len(sightings), "format": fmt, "sha256": hashlib.sha256(content).hexdigest(),
                        "ids": [s.id for s in sightings]}, reason=reason)
        run = detect_in(w, since=min(s.observed_on for s in sightings), reassess=True)
    return Uploaded(fmt, sightings, run)
