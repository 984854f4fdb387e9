"""The dashboard: what needs attention on a day (pending applications, permits expiring soon), read in SQL as
pages of the lists (services/reporting/lists.py), never by loading a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from endwatch.domain.permits import Application, Permit
from endwatch.services.reporting.store import ListQuery
from endwatch.services.uow import UnitOfWork


@dataclass(frozen=True)
class Dashboard:
    """What needs attention on a day: the first `rows` pending applications (oldest received first) and permits
    in force expiring soon (soonest first), each with its total (an estimate when its `exact` is false)."""

    as_of: date
    pending: tuple[Application, ...]
    expiring: tuple[Permit, ...]
    pending_total: int = 0
    pending_exact: bool = True
    expiring_total: int = 0
    expiring_exact: bool = True


def dashboard(uow: UnitOfWork, as_of: date, horizon_days: int = 90, rows: int = 20,
              exporter: str | None = None) -> Dashboard:
    """Pending applications and permits in force on `as_of` that expire within `horizon_days` (an exporter's
    own only when `exporter` is given): one page and a capped count of each."""
    limit = as_of + timedelta(days=horizon_days)
    with uow:
        pending = uow.lists.page(ListQuery("applications", {"pending": True}, "received_on", False, None, 0, rows),
                                 exporter)
        expiring = uow.lists.page(ListQuery("permits", {"as_of": as_of, "state": "in_force", "expires_to": limit},
                                            "expires_on", False, None, 0, rows), exporter)
    return Dashboard(as_of, tuple(pending.items), tuple(expiring.items), pending.total, pending.exact,
                     expiring.total, expiring.exact)
