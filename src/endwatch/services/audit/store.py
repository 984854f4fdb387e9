"""What the audit area needs from storage: the append-only, hash-chained log (`uow.audit`)."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Protocol

from endwatch.domain.audit import AuditEntry
from endwatch.domain.audit_rows import RowProblem


class AuditRepository(Protocol):
    def head_for_append(self) -> tuple[int, str]:
        """The chain's last (seq, hash), for appending in this transaction (which holds the write lock)."""
    def version(self) -> int:
        """The head's sequence number (0 for an empty trail): it moves with every audited write."""
    def tables_written_since(self, version: int) -> set[str]:
        """The tables whose rows the writes after `version` (a head's sequence number) created, changed or
        deleted, as their row digests record them."""
        ...
    def rows_written_since(self, version: int, tables: Collection[str]) -> set[tuple[str, str]]:
        """(table, row key) of every row of `tables` the writes after `version` created, changed or deleted."""
        ...
    def append(self, entry: AuditEntry, *, before_json: str | None = None, after_json: str | None = None) -> None:
        """Store `entry`; `before_json` and `after_json`, when given, are its before and after already encoded."""
        ...
    def entries(self, after: int = 0) -> Iterator[AuditEntry]:
        """The entries after seq `after` (all by default), in sequence order."""
        ...
    def head(self) -> tuple[int, str] | None: ...
    def hash_at(self, seq: int) -> str | None:
        """The stored hash of entry `seq`, if there is one."""
    def count(self) -> int:
        """How many entries the trail holds."""
        ...
    def for_entity(self, entity: str, key: str) -> builtins.list[AuditEntry]: ...
    def start_row_capture(self) -> None:
        """Forget rows noted as written before this write began (they were written outside the application)."""
    def vouch(self, table: str, digests: Sequence[tuple[str, str]]) -> None:
        """Digests (row key, digest) of rows this write inserted into `table`, computed from the very values it
        inserted: sealing records them as they are instead of reading those rows back."""
    def seal_rows(self, record_entry: Callable[[], AuditEntry]) -> int:
        """Seal the digests of every row this transaction wrote into its last entry (after `record_entry`
        appended one, when it appended none); the number of rows recorded."""
        ...
    def check_rows(self) -> tuple[int, int, builtins.list[RowProblem]]:
        """(tables, rows checked, problems) of comparing the live rows with the trail's row digests."""
        ...
