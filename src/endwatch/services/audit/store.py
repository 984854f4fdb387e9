"""What the audit area needs from storage: the append-only, hash-chained log (`uow.audit`)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Protocol

from endwatch.domain.audit import AuditEntry


class AuditRepository(Protocol):
    def head_for_append(self) -> tuple[int, str]:
        """The chain's last (seq, hash), for appending in this transaction (which holds the write lock)."""
    def version(self) -> int:
        """The head's sequence number (0 for an empty trail): it moves with every audited write."""
    def append(self, entry: AuditEntry, *, before_json: str | None = None, after_json: str | None = None) -> None:
        """Store `entry`; `before_json` and `after_json`, when given, are its before and after already encoded."""
        ...
    def entries(self) -> Iterator[AuditEntry]: ...
    def head(self) -> tuple[int, str] | None: ...
    def for_entity(self, entity: str, key: str) -> builtins.list[AuditEntry]: ...
