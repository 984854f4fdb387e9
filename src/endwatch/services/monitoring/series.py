"""The series of the plan's figures, day by day: designated items, those whose inventory is overdue, and overdue
checks by age, as of each day recorded. A plan is costly (seconds over millions of items), so the figures are
recorded once a day by a scheduled job (`endwatch checks record`) and read back as a series, the way monitoring
programmes keep them; past days are back-filled by computing the plan as of each.

Promises: a day's figures are the whole registry's plan as of that day (never one exporter's); recording a day
again replaces its figures, audited with what they were; a day after today is refused (its plan would count
checks not yet done as overdue); the series is read by the authority's readers only: an exporter would see
figures about others' permits, the public nothing.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from endwatch.errors import Forbidden, InvalidInput, Problem
from endwatch.services.authz import Action, Principal, company_scope, require
from endwatch.services.gate import write
from endwatch.services.monitoring.plan import overdue_by_age, plan_for
from endwatch.services.monitoring.store import SeriesDay
from endwatch.services.uow import Database, UnitOfWork

MAX_DAYS = 3660  # days one back-fill may span (ten years of plans)
FIRST = date(1900, 1, 1)


def days_between(start: date, end: date, month_ends: bool = False) -> list[date]:
    """Every day from `start` to `end` (both included), or with `month_ends` the last day of each month in it."""
    if not month_ends:
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]
    found: list[date] = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        last = date(year, month, calendar.monthrange(year, month)[1])
        if start <= last <= end:
            found.append(last)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _check_range(start: date, end: date, today: date | None, what: tuple[str, str]) -> None:
    # A back-fill (today given) computes a plan a day, so its span is bounded; a read of recorded rows is not.
    problems: list[Problem] = []
    if end < start:
        problems.append(Problem(f"{end} is before {start}: a range ends on or after it starts", column=what[1]))
    elif today is not None and (end - start).days >= MAX_DAYS:
        problems.append(Problem(f"{start} to {end} spans more than {MAX_DAYS} days", column=what[1]))
    if start < FIRST:
        problems.append(Problem(f"{start} is before {FIRST}", column=what[0]))
    if today is not None and end > today:
        problems.append(Problem(f"{end} is after today ({today}): a day's figures are recorded once it has come",
                                column=what[1] if end != start else what[0]))
    if problems:
        raise InvalidInput(problems)


def figures(db: Database, day: date) -> SeriesDay:
    """The whole registry's plan figures as of `day` (read on a snapshot; nothing written)."""
    p = plan_for(db.reader(), None, day)
    return SeriesDay(day, p.designated_items, p.designated_items_overdue, tuple(n for _, n in overdue_by_age(p)))


def record(db: Database, principal: Principal, today: date, start: date, end: date | None = None,
           month_ends: bool = False) -> list[SeriesDay]:
    """Record the figures of each day from `start` to `end` (default: `start` alone; with `month_ends` each
    month's last day in the range), each computed as of its day, replacing what was recorded for it; audited
    (`checks.series`, with the figures before). Action checks.record: a scheduled job's service account, or
    staff. `today` is the authority's day (its time zone). Bad dates are refused, naming them, before anything
    is computed or written."""
    require(principal, Action.CHECKS_RECORD)
    end = start if end is None else end
    _check_range(start, end, today, ("from", "to") if end != start else ("as_of", "as_of"))
    recorded: list[SeriesDay] = []
    for day in days_between(start, end, month_ends):
        # The plan is computed on a snapshot, outside the write lock (it takes seconds at scale); the write
        # then holds the lock only to store one row.
        counted = figures(db, day)
        with write(db.uow(), principal, Action.CHECKS_RECORD) as w:
            stamped = SeriesDay(day, counted.designated_items, counted.designated_items_overdue,
                                counted.overdue_by_age, principal.username,
                                w.uow.now().isoformat(timespec="seconds"))
            before = w.uow.checks.series_day(day)
            w.uow.checks.save_series_day(stamped)
            w.record(action="checks.series", entity="check_series", key=day.isoformat(),
                     before=_audited(before) if before else None, after=_audited(stamped))
        recorded.append(stamped)
    return recorded


def _audited(d: SeriesDay) -> dict[str, object]:
    return {"day": d.day, "designated_items": d.designated_items,
            "designated_items_overdue": d.designated_items_overdue, "overdue_by_age": list(d.overdue_by_age)}


def series(uow: UnitOfWork, principal: Principal, start: date, end: date) -> list[SeriesDay]:
    """The days recorded from `start` to `end`, earliest first. The authority's readers only: the figures are
    the whole registry's, so an exporter is refused (Forbidden), as is the public."""
    require(principal, Action.CHECKS_READ)
    if company_scope(principal) is not None:
        raise Forbidden("the series counts every exporter's permits: it is read by the authority only")
    _check_range(start, end, None, ("from", "to"))
    with uow:
        return uow.checks.series(start, end)
