"""The report of trace requests: for each counterpart and direction, how many were sent (or received), answered on
time, answered late, never answered (past their due day without an answer, or closed unanswered after it), still
open within their window, and withdrawn (closed unanswered by their due day), as of a day. What a weapons tracer
publishes about who answered; the caller sees only the requests it may see (services/monitoring/requests.py).

The CSV is formula-safe: every cell goes through the exchange format's `format_cell` (exchange/cells.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from endwatch.domain.trace_requests import Direction, Status, TraceRequest
from endwatch.errors import InvalidInput, Problem
from endwatch.exchange.cells import format_cell
from endwatch.services.authz import Principal
from endwatch.services.monitoring.requests import list_requests
from endwatch.services.uow import UnitOfWork

COLUMNS = ("direction", "counterpart_kind", "counterpart", "party_id", "requests", "answered_on_time", "answered_late",
           "never_answered", "open", "withdrawn", "days_late_total")


@dataclass
class ReportRow:
    """One counterpart in one direction; `days_late_total` adds the days late of the late answers."""

    direction: str
    counterpart_kind: str
    counterpart: str
    party_id: str | None
    requests: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    never_answered: int = 0
    open: int = 0
    withdrawn: int = 0
    days_late_total: int = 0

    def as_dict(self) -> dict[str, object]:
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass
class Report:
    """The rows (by direction, then most never answered first, then name) and the totals of each direction."""

    as_of: date
    opened_from: date | None
    opened_to: date | None
    rows: list[ReportRow] = field(default_factory=list)
    totals: dict[str, ReportRow] = field(default_factory=dict)


def outcome(r: TraceRequest, as_of: date) -> str:
    """How a request counts as of `as_of`: answered_on_time, answered_late, never_answered, open or withdrawn."""
    if r.answered_on is not None and r.answered_on <= as_of:
        return "answered_on_time" if r.answered_on <= r.due_on else "answered_late"
    if r.status is Status.CLOSED and r.closed_on is not None and r.closed_on <= as_of:
        return "withdrawn" if r.closed_on <= r.due_on else "never_answered"
    return "open" if as_of <= r.due_on else "never_answered"


def build(uow: UnitOfWork, principal: Principal | None, as_of: date, *, opened_from: date | None = None,
          opened_to: date | None = None, direction: Direction | None = None) -> Report:
    """The report as of `as_of`, over the requests opened from `opened_from` to `opened_to` (both included)
    that `principal` may see (None: the local command line)."""
    if opened_from is not None and opened_to is not None and opened_from > opened_to:
        raise InvalidInput([Problem(f"the period starts ({opened_from}) after it ends ({opened_to})",
                                    column="opened_from")])
    found = [r for r in list_requests(uow, principal, direction=direction)
             if r.opened_on <= as_of and (opened_from is None or r.opened_on >= opened_from)
             and (opened_to is None or r.opened_on <= opened_to)]
    report = Report(as_of, opened_from, opened_to)
    rows: dict[tuple[str, str, str], ReportRow] = {}
    for r in found:
        who = r.party_id or r.counterpart.casefold()
        row = rows.setdefault((r.direction.value, r.counterpart_kind.value, who), ReportRow(
            r.direction.value, r.counterpart_kind.value, r.counterpart, r.party_id))
        total = report.totals.setdefault(r.direction.value, ReportRow(r.direction.value, "", "all", None))
        kind = outcome(r, as_of)
        for target in (row, total):
            target.requests += 1
            setattr(target, kind, getattr(target, kind) + 1)
            if kind == "answered_late" and r.answered_on is not None:
                target.days_late_total += (r.answered_on - r.due_on).days
    report.rows = sorted(rows.values(), key=lambda x: (x.direction != "outgoing", -x.never_answered,
                                                       x.counterpart.casefold()))
    return report


def to_csv(report: Report) -> str:
    """The report's rows, then one total row per direction, as CSV (every cell formula-safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in [*report.rows, *report.totals.values()]:
        writer.writerow([format_cell(v) for v in row.as_dict().values()])
    return buffer.getvalue()


AGES: tuple[tuple[str, int, int | None], ...] = (
    ("due within 7 days", -7, 0), ("1 to 7 days late", 1, 7), ("8 to 28 days late", 8, 28),
    ("29 to 90 days late", 29, 90), ("more than 90 days late", 91, None))


@dataclass(frozen=True)
class Awaited:
    """Open requests by how late they are as of a day (due within a week counts as a warning, not yet late);
    `owed_by_us` counts the incoming ones the authority itself has to answer."""

    as_of: date
    by_age: tuple[tuple[str, int], ...]
    owed_by_us: int
    oldest: tuple[TraceRequest, ...]


def awaited(uow: UnitOfWork, principal: Principal | None, as_of: date, *, oldest: int = 5) -> Awaited:
    """Open requests the caller may see, counted by age past their due day, and the `oldest` most overdue."""
    found = list_requests(uow, principal, status=Status.OPEN)
    counts = []
    for label, low, high in AGES:
        counts.append((label, sum(1 for r in found if (as_of - r.due_on).days >= low
                                  and (high is None or (as_of - r.due_on).days <= high))))
    late = sorted((r for r in found if r.due_on < as_of), key=lambda r: (r.due_on, r.reference))
    return Awaited(as_of, tuple(counts), sum(1 for r in found if r.direction is Direction.INCOMING
                                             and r.due_on < as_of), tuple(late[:oldest]))
