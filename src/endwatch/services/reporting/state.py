"""The registry's state version: a number that changes with every write (what caches key their answers on)."""

from __future__ import annotations

from endwatch.services.uow import UnitOfWork


def state_version(uow: UnitOfWork) -> int:
    """A number that changes whenever the stored records change: the audit chain's head, since every
    write is recorded in the audit trail in the same transaction. 0 for an empty registry."""
    with uow:
        head = uow.audit.head()
    return head[0] if head else 0
