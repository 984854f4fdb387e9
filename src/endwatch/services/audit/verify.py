"""Reading the audit trail back: verifying the hash chain and the rows it covers, and the entries about
one record."""

from __future__ import annotations

from collections.abc import Callable

from endwatch.domain.audit import AuditEntry, ChainReport, verify_chain
from endwatch.domain.audit_rows import RowsReport
from endwatch.services.uow import UnitOfWork


def verify(uow_factory: Callable[[], UnitOfWork]) -> ChainReport:
    """Re-hash the whole audit trail and name the first entry that was edited, deleted, inserted or moved."""
    with uow_factory() as uow:
        return verify_chain(uow.audit.entries(), uow.audit.head())


# Entries the audit page re-hashes on its own (the newest): bounded whatever the trail's length.
TAIL = 1_000


def verify_tail(uow_factory: Callable[[], UnitOfWork], count: int = TAIL) -> ChainReport:
    """Re-hash the newest `count` entries and their links back to the stored hash of the entry before them, and
    the recorded head: a bounded check (a few milliseconds whatever the trail's length) that vouches for those
    entries only; `verify` checks the whole chain. Its `entries` is how many were checked."""
    with uow_factory() as uow:
        head = uow.audit.head()
        start = max(0, (head[0] if head else 0) - count)
        if start == 0:
            return verify_chain(uow.audit.entries(), head)
        before = uow.audit.hash_at(start)
        if before is None:
            return ChainReport(False, 0, start, f"entry {start} is missing")
        return verify_chain(uow.audit.entries(after=start), head, (start, before))


def verify_rows(uow_factory: Callable[[], UnitOfWork]) -> RowsReport:
    """Compare every audited table's rows with the digests the trail recorded for them: name each row
    changed, added or deleted outside the application, and any altered digest record. (What this proves
    rests on the chain being intact: check `verify` too.)"""
    with uow_factory() as uow:
        tables, rows, problems = uow.audit.check_rows()
    return RowsReport(not problems, tables, rows, tuple(problems))


def history(uow_factory: Callable[[], UnitOfWork], entity: str, key: str) -> list[AuditEntry]:
    """Every audit entry about one record, oldest first."""
    with uow_factory() as uow:
        return uow.audit.for_entity(entity, key)
