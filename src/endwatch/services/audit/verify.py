"""Reading the audit trail back: verifying the hash chain, and the entries about one record."""

from __future__ import annotations

from collections.abc import Callable

from endwatch.domain.audit import AuditEntry, ChainReport, verify_chain
from endwatch.services.uow import UnitOfWork


def verify(uow_factory: Callable[[], UnitOfWork]) -> ChainReport:
    """Re-hash the whole audit trail and name the first entry that was edited, deleted, inserted or moved."""
    with uow_factory() as uow:
        return verify_chain(uow.audit.entries(), uow.audit.head())


def history(uow_factory: Callable[[], UnitOfWork], entity: str, key: str) -> list[AuditEntry]:
    """Every audit entry about one record, oldest first."""
    with uow_factory() as uow:
        return uow.audit.for_entity(entity, key)
