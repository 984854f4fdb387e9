"""The plan's figures recorded day by day (`endwatch checks record`, services/monitoring/series.py) on the hand-built
registry of test_check_plan: the figures recorded at several dates, one at a time and back-filled, equal the plan's
as of those days; recording a day again replaces it (audited with what it was); bad dates are refused, named, with
nothing written; roles: staff and a service account given the job record, an auditor only reads, an exporter and
the public neither."""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import FIXED_NOW
from tests.factories import ACTOR
from tests.integration.test_check_plan import _done, _world
from tests.principals import NOTIFIER, person, service

from endwatch.cli import app
from endwatch.errors import Forbidden, InvalidInput
from endwatch.services.authz import Action, Role
from endwatch.services.monitoring import series
from endwatch.services.monitoring.plan import overdue_by_age, plan

TODAY = FIXED_NOW.date()
DAYS = [date(2024, 2, 1), date(2024, 5, 15), date(2024, 10, 15), date(2025, 5, 1), date(2025, 11, 1)]


def _expected(ew, day: date) -> tuple[int, int, tuple[int, ...]]:
    p = plan(ew.reader(), ACTOR, day)
    return p.designated_items, p.designated_items_overdue, tuple(n for _, n in overdue_by_age(p))


def _recorded(ew) -> dict[date, tuple[int, int, tuple[int, ...]]]:
    return {d.day: (d.designated_items, d.designated_items_overdue, d.overdue_by_age)
            for d in series.series(ew.reader(), ACTOR, date(2000, 1, 1), TODAY)}


def _history(ew) -> None:
    _world(ew)
    _done(ew, "pre-licence", (("application", "A-1"),), date(2024, 2, 3))
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 5, 20))
    _done(ew, "post-shipment", (("permit", "P-PSV"),), date(2024, 5, 20))
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 10, 20))


def test_recorded_figures_equal_the_plans_as_of_each_day(ew, cli):
    _history(ew)
    for day in DAYS:
        series.record(ew, ACTOR, TODAY, day)
    recorded = _recorded(ew)
    assert recorded == {day: _expected(ew, day) for day in DAYS}
    # The figures differ from day to day (so the comparison says something): all 3 items overdue in May 2024,
    # none a year later, all 5 twelve days late in November 2025; P-UA's pre-shipment check is never done.
    assert recorded[date(2024, 5, 15)] == (3, 3, (2, 0, 1, 0, 0))  # 15 and 14 days; pre-shipment 112
    assert recorded[date(2025, 5, 1)] == (5, 0, (0, 0, 0, 0, 1))
    assert recorded[date(2025, 11, 1)] == (5, 5, (1, 0, 0, 0, 1))

    # Back-filled by month ends from the command line: each month's last day, each as of its own day.
    r = cli.invoke(app, ["checks", "record", "--from", "2024-01-15", "--to", "2024-12-31", "--month-ends",
                         "--format", "json"])
    assert r.exit_code == 0, r.output
    month_ends = series.days_between(date(2024, 1, 15), date(2024, 12, 31), month_ends=True)
    assert month_ends[0] == date(2024, 1, 31) and month_ends[1] == date(2024, 2, 29) and len(month_ends) == 12
    recorded = _recorded(ew)
    assert set(month_ends) <= set(recorded)
    for day in month_ends:
        assert recorded[day] == _expected(ew, day), day
    # Every day of a range.
    r = cli.invoke(app, ["checks", "record", "--from", "2024-04-28", "--to", "2024-05-02"])
    assert r.exit_code == 0 and "5 day(s) recorded" in r.output, r.output
    recorded = _recorded(ew)
    for day in series.days_between(date(2024, 4, 28), date(2024, 5, 2)):
        assert recorded[day] == _expected(ew, day), day
    assert recorded[date(2024, 4, 30)][1] == 0 and recorded[date(2024, 5, 1)][1] == 3  # due 30 Apr: late from 1 May


def test_recording_a_day_again_replaces_it_and_the_trail_keeps_both(ew, cli):
    _world(ew)
    day = date(2024, 5, 25)
    r = cli.invoke(app, ["checks", "record", "--as-of", day.isoformat(), "--format", "json"])
    assert r.exit_code == 0 and '"designated_items_overdue": 3' in r.output, r.output
    _done(ew, "inventory", (("permit", "P-INV"),), date(2024, 5, 20))  # recorded late, done before the day
    assert _recorded(ew)[day][1] == 3  # the recorded figure stands until the day is recorded again
    series.record(ew, ACTOR, TODAY, day)
    assert _recorded(ew) == {day: _expected(ew, day)} and _recorded(ew)[day][1] == 0
    with ew.reader() as uow:
        trail = uow.audit.for_entity("check_series", day.isoformat())
    assert [e.action for e in trail] == ["checks.series", "checks.series"]
    assert trail[0].before is None and trail[1].before["designated_items_overdue"] == 3
    assert trail[1].after["designated_items_overdue"] == 0 and trail[1].actor == ACTOR.username


@pytest.mark.parametrize(("args", "expected"), [
    (["--as-of", "2026-11-23"], "2026-11-23 is after today (2026-11-22)"),
    (["--from", "2026-11-01", "--to", "2026-12-01"], "2026-12-01 is after today"),
    (["--from", "2024-05-02", "--to", "2024-05-01"], "2024-05-01 is before 2024-05-02"),
    (["--from", "2010-01-01", "--to", "2024-05-01"], "spans more than 3660 days"),
    (["--from", "1899-12-31", "--to", "1900-01-02"], "1899-12-31 is before 1900-01-01"),
    (["--as-of", "2024-13-01"], "--as-of"),
    (["--from", "2024-02-30"], "--from"),
    (["--to", "2024-05-01"], "give --from too"),
    (["--as-of", "2024-05-01", "--from", "2024-04-01"], "not both"),
    (["--month-ends"], "give --from"),
])
def test_bad_dates_are_named_and_nothing_is_written(ew, cli, args, expected):
    _world(ew)
    with ew.reader() as uow:
        before = uow.audit.count()
    r = cli.invoke(app, ["checks", "record", *args])
    assert r.exit_code in (1, 2) and expected in r.output and "Traceback" not in r.output, r.output  # 2: usage
    assert _recorded(ew) == {}
    with ew.reader() as uow:
        assert uow.audit.count() == before


def test_who_may_record_and_read_the_series(ew):
    _world(ew)
    day = date(2024, 5, 15)
    recorder = service("endwatch-figures", Action.CHECKS_RECORD)
    assert [d.day for d in series.record(ew, recorder, TODAY, day)] == [day]
    for role in (Role.INVESTIGATOR, Role.LICENSING_OFFICER, Role.APPROVER):
        series.record(ew, person(f"{role.value}-user", role), TODAY, day)
    for who in (NOTIFIER, person("auditor", Role.AUDITOR), person("m-user", Role.EXPORTER, "m"),
                person("anyone", Role.PUBLIC)):
        with pytest.raises(Forbidden):
            series.record(ew, who, TODAY, day)
    assert [d.recorded_by for d in series.series(ew.reader(), person("auditor", Role.AUDITOR), day, day)] == [
        "approver-user"]
    for who in (person("m-user", Role.EXPORTER, "m"), person("anyone", Role.PUBLIC), recorder):
        with pytest.raises(Forbidden):
            series.series(ew.reader(), who, day, day)
    with pytest.raises(InvalidInput, match="is before"):
        series.series(ew.reader(), ACTOR, day, date(2024, 1, 1))
