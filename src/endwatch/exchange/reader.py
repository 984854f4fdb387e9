"""Reading exchange-format files into typed rows, collecting every problem with file, line and column."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from endwatch.errors import Problem
from endwatch.exchange.cells import CellError, parse_cell
from endwatch.exchange.schema import FileSpec

# The longest cell the reader takes: ten times the longest text any column holds (domain/text.py), so a
# hostile file cannot make one cell take more memory than that; a longer one is a malformed file.
MAX_CELL_CHARS = 100_000
csv.field_size_limit(MAX_CELL_CHARS)


@dataclass(frozen=True)
class Row:
    """One data line: its line number in the file and its typed values by column name."""

    file: str
    line: int
    values: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (recorded in the audit trail with each import)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_rows(path: Path, spec: FileSpec, problems: list[Problem]) -> Iterator[Row]:
    """Yield the valid rows of one file; append a Problem for each bad header, line or cell.

    Extra columns are ignored. Blank lines are skipped. A missing required column is reported once.
    """
    name = spec.name
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        problems.append(Problem(f"cannot read: {exc.strerror}", name))
        return
    with fh:
        try:
            reader = csv.reader(fh, strict=True)
            header = next(reader, None)
            if header is None:
                problems.append(Problem("the file is empty (a header row is required)", name, 1))
                return
            header = [h.strip() for h in header]
            missing = [c.name for c in spec.columns if c.required and c.name not in header]
            for m in missing:
                problems.append(Problem(f"required column {m!r} is missing from the header", name, 1, m))
            dupes = {h for h in header if h and header.count(h) > 1}
            for d in sorted(dupes):
                problems.append(Problem(f"column {d!r} appears more than once in the header", name, 1, d))
            if missing or dupes:
                return
            index = {h: i for i, h in enumerate(header)}
            known = [c for c in spec.columns if c.name in index]
            absent = [c for c in spec.columns if c.name not in index]
            for cells in reader:
                line = reader.line_num
                if not "".join(cells).strip():
                    continue
                if len(cells) != len(header):
                    problems.append(
                        Problem(f"expected {len(header)} cells as in the header, found {len(cells)}", name, line)
                    )
                    continue
                values: dict[str, Any] = {}
                ok = True
                for col in known:
                    text = cells[index[col.name]]
                    try:
                        value = parse_cell(col, text)
                    except CellError as exc:
                        problems.append(Problem(str(exc), name, line, col.name))
                        ok = False
                        continue
                    if col.required and (value is None or value == ()):
                        problems.append(Problem(f"{col.name} is required", name, line, col.name))
                        ok = False
                    values[col.name] = value
                for col in absent:
                    values[col.name] = parse_cell(col, "")
                if ok:
                    yield Row(name, line, values)
        except csv.Error as exc:
            problems.append(Problem(f"malformed CSV: {exc}", name, reader.line_num))
        except UnicodeDecodeError as exc:
            problems.append(Problem(f"not UTF-8 text (byte {exc.start})", name))
