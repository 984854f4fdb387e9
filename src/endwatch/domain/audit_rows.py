"""Row coverage: what the audit trail says about each registry row, and how a live row is compared with it.

Every write records, with its audit entry, a digest of each row it created, changed or deleted (a
deletion as None); the entry's hash covers the digest of that whole list (`rows_digest`). Replaying
those digests gives, per table, the rows the trail vouches for; a live row that differs, a row the
trail never recorded, and a recorded row that is gone were each changed outside the application.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from endwatch.domain.audit import canonical_json

# A 128-bit prefix of SHA-256 per row: collisions are out of reach, and the trail stays half the size.
ROW_DIGEST_CHARS = 32


_encode_str: Callable[[str], str] = json.encoder.encode_basestring  # canonical_json's, for a string


def _json(value: Any) -> str:
    """The canonical JSON of one column's value, without a call into json for the common kinds."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return float.__repr__(value)
    if kind is date:
        return '"' + str(value.isoformat()) + '"'
    return canonical_json(value)  # date-times (as text), JSON columns, decimals


def row_key(values: Iterable[Any]) -> str:
    """The text naming a row in the trail: the canonical JSON of its primary key's values, in key order."""
    return "[" + ",".join(_json(v) for v in values) + "]"


class RowDigester:
    """The digest of rows of one shape: `columns` names their values in order (made once per table, so
    each row costs one pass over its values). The same digest as `row_digest` of the row as a mapping."""

    def __init__(self, columns: Sequence[str]) -> None:
        order = sorted(range(len(columns)), key=lambda i: columns[i])
        self._order = [(i, _encode_str(columns[i]) + ":") for i in order]

    def __call__(self, values: Sequence[Any]) -> str:
        text = "{" + ",".join(name + _json(values[i]) for i, name in self._order if values[i] is not None) + "}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ROW_DIGEST_CHARS]


def row_digest(row: Mapping[str, Any]) -> str:
    """The digest of a row's content: the SHA-256 of the canonical JSON of its non-null columns by name
    (dates as ISO text, JSON columns as their canonical JSON). A column added later with no value leaves
    every older digest as it was."""
    names = list(row)
    return RowDigester(names)([row[n] for n in names])


class RowsHasher:
    """The digest an audit entry carries for the rows it recorded, built one change at a time: fed the
    changes sorted by table and row key (code point order, as `rows_digest` sorts them and as a database
    sorts UTF-8 text by its bytes), it gives `rows_digest` without holding them all."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256(b"[")
        self.count = 0

    def add(self, table: str, key: str, digest: str | None) -> None:
        """The next change, in table and key order."""
        item = canonical_json([table, key, digest])
        self._hash.update(("," + item if self.count else item).encode("utf-8"))
        self.count += 1

    def hexdigest(self) -> str:
        """The digest of every change added so far."""
        done = self._hash.copy()
        done.update(b"]")
        return done.hexdigest()


def rows_digest(changes: Iterable[tuple[str, str, str | None]]) -> str:
    """The digest an audit entry carries for the (table, row key, row digest or None) it recorded, in any
    order: the SHA-256 of their canonical JSON sorted by table and key."""
    hasher = RowsHasher()
    for table, key, digest in sorted(changes, key=lambda c: (c[0], c[1])):
        hasher.add(table, key, digest)
    return hasher.hexdigest()


def key_text(key: str) -> str:
    """A row key as people read it: `PERMIT-1` for a one-column key, `A / B` for a key of several."""
    try:
        values = json.loads(key)
    except ValueError:
        return key
    if isinstance(values, list):
        return " / ".join(str(v) for v in values)
    return key


@dataclass(frozen=True)
class RowProblem:
    """A row that differs from what the trail says: `what` is changed, added or deleted (or `digests`
    when the row digests stored with entry `seq` were themselves altered; `miscounted` when a count kept from
    the items, `detail` says which, differs from the items counted now)."""

    table: str
    key: str
    what: str
    seq: int | None = None
    detail: str | None = None

    def describe(self) -> str:
        """One line naming the table, the row and what happened to it."""
        if self.what == "digests":
            return f"the row digests stored with entry {self.seq} were altered, added or removed"
        where = f"{self.table} {key_text(self.key)}"
        if self.what == "miscounted":
            return f"{where}: {self.detail} (changed outside the application)"
        if self.what == "changed":
            return f"{where}: changed outside the application (last recorded by entry {self.seq})"
        if self.what == "added":
            return f"{where}: added outside the application (no entry records it)"
        return f"{where}: deleted outside the application (last recorded by entry {self.seq})"


@dataclass(frozen=True)
class RowsReport:
    """The outcome of checking live rows against the trail: `rows` live rows checked over `tables`."""

    ok: bool
    tables: int
    rows: int
    problems: tuple[RowProblem, ...] = ()


def compare_table(table: str, expected: Mapping[str, tuple[str, int]],
                  live: Iterable[tuple[str, str]]) -> tuple[int, list[RowProblem]]:
    """Compare one table's live (key, digest) rows with the trail's `expected` {key: (digest, seq)}.

    Returns the number of live rows and the problems, changed and added rows in the order met, then
    deleted rows by key."""
    remaining = dict(expected)
    problems: list[RowProblem] = []
    count = 0
    for key, digest in live:
        count += 1
        recorded = remaining.pop(key, None)
        if recorded is None:
            problems.append(RowProblem(table, key, "added"))
        elif recorded[0] != digest:
            problems.append(RowProblem(table, key, "changed", recorded[1]))
    problems.extend(RowProblem(table, key, "deleted", seq) for key, (_d, seq) in sorted(remaining.items()))
    return count, problems
