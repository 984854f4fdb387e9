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
