"""The dashboard: what needs attention on a day (pending applications, permits expiring soon)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from endwatch.domain.permits import Application, Permit
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class Dashboard:
    """What needs attention on a day: pending applications and permits expiring soon."""

    as_of: date
    pending: tuple[Application, ...]
    expiring: tuple[Permit, ...]


def dashboard(uow: UnitOfWork, as_of: date, horizon_days: int = 90) -> Dashboard:
    """Pending applications and permits in force on `as_of` that expire within `horizon_days`."""
    with uow:
        pending = tuple(a for a in uow.applications.list() if a.status.pending)
        limit = as_of + timedelta(days=horizon_days)
        expiring = tuple(p for p in uow.permits.list() if p.in_force_on(as_of) and p.expires_on <= limit)
    return Dashboard(as_of, pending, expiring)
