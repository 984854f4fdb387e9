"""Writing exchange-format files: header row, then one line per record, in the schema's column order."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from endwatch.exchange.cells import format_cell
from endwatch.exchange.schema import FileSpec


def write_rows(folder: Path, spec: FileSpec, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write one file (replacing it) and return the number of data lines written."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    tmp = folder / (spec.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(spec.column_names)
        for row in rows:
            writer.writerow([format_cell(row.get(c)) for c in spec.column_names])
            count += 1
    tmp.replace(folder / spec.name)
    return count
