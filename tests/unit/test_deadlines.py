"""Deadline arithmetic (domain/deadlines.py): due days, the instant a deadline passes and overdue, across month
ends, leap days and time zones, by example and by property (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from endwatch.domain.deadlines import (
    DEFAULT_REPLY_DAYS,
    add_months,
    answered_on_time,
    days_left,
    days_overdue,
    due_on,
    is_overdue,
    local_day,
    passes_at,
    standing,
    time_zone,
)
from endwatch.settings import load_settings

ZONES = sorted(z for z in available_timezones() if z not in ("localtime", "Factory"))
BERLIN = ZoneInfo("Europe/Berlin")
AUCKLAND = ZoneInfo("Pacific/Auckland")
HONOLULU = ZoneInfo("Pacific/Honolulu")

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
windows = st.integers(min_value=0, max_value=400)
zones = st.sampled_from(ZONES)
instants = st.datetimes(min_value=datetime(1990, 1, 2), max_value=datetime(2090, 12, 30), timezones=st.just(UTC))


def test_28_days_is_the_default_reply_window():
    assert DEFAULT_REPLY_DAYS == 28
    assert due_on(date(2026, 12, 1), DEFAULT_REPLY_DAYS, UTC) == date(2026, 12, 29)


@pytest.mark.parametrize(("opened", "window", "due"), [
    (date(2026, 1, 31), 28, date(2026, 2, 28)),     # across a month end
    (date(2028, 2, 1), 28, date(2028, 2, 29)),      # onto a leap day
    (date(2028, 2, 29), 1, date(2028, 3, 1)),       # off a leap day
    (date(2027, 2, 1), 28, date(2027, 3, 1)),       # a common year has no 29 February
    (date(2026, 12, 20), 28, date(2027, 1, 17)),    # across a year end
    (date(2026, 3, 1), 0, date(2026, 3, 1)),        # due the day it opens
])
def test_due_day_by_the_calendar(opened, window, due):
    assert due_on(opened, window, UTC) == due


def test_an_instant_opens_on_its_local_day():
    # 23:30 UTC on 31 January is already 1 February in Berlin and still 31 January in Honolulu.
    opened = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert due_on(opened, 28, BERLIN) == date(2026, 3, 1)
    assert due_on(opened, 28, UTC) == date(2026, 2, 28)
    assert due_on(opened, 28, HONOLULU) == date(2026, 2, 28)
    # 11:00 UTC on 28 February 2028 is 29 February (the leap day) in Auckland.
    assert local_day(datetime(2028, 2, 28, 11, 0, tzinfo=UTC), AUCKLAND) == date(2028, 2, 29)


def test_a_deadline_passes_at_local_midnight():
    due = date(2026, 3, 28)  # Berlin springs forward on 29 March 2026; midnight itself is unaffected (UTC+1)
    assert passes_at(due, BERLIN) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert not is_overdue(due, datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC), BERLIN)
    assert is_overdue(due, datetime(2026, 3, 28, 23, 0, tzinfo=UTC), BERLIN)
    # in summer Berlin is UTC+2, so the day ends at 22:00 UTC
    assert passes_at(date(2026, 7, 31), BERLIN) == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)


def test_a_skipped_midnight_starts_the_day_at_the_transition():
    # America/Santiago sprang forward at midnight on 8 September 2024: 00:00 local never happened; the day
    # began at 04:00 UTC (01:00 local).
    santiago = ZoneInfo("America/Santiago")
    start = passes_at(date(2024, 9, 7), santiago)
    assert start == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
    assert local_day(start, santiago) == date(2024, 9, 8)
    assert local_day(start - timedelta(microseconds=1), santiago) == date(2024, 9, 7)


def test_overdue_and_days():
    due = date(2026, 2, 28)
    assert not is_overdue(due, date(2026, 2, 28), UTC)
    assert is_overdue(due, date(2026, 3, 1), UTC)
    assert days_overdue(due, date(2026, 3, 3), UTC) == 3
    assert days_overdue(due, date(2026, 2, 1), UTC) == 0
    assert days_left(due, date(2026, 2, 1), UTC) == 27
    assert answered_on_time(due, due) and not answered_on_time(due, date(2026, 3, 1))


def test_standing_in_words():
    due = date(2026, 2, 28)
    assert standing(due, date(2026, 2, 20), UTC).state == "open"
    assert standing(due, date(2026, 2, 20), UTC).days == 8
    assert standing(due, due, UTC).state == "due"
    assert standing(due, date(2026, 3, 2), UTC) == standing(due, date(2026, 3, 2), UTC, answered=None)
    assert standing(due, date(2026, 3, 2), UTC).days == 2
    assert standing(due, date(2026, 3, 9), UTC, answered=date(2026, 3, 4)).state == "answered late"
    assert standing(due, date(2026, 3, 9), UTC, answered=date(2026, 3, 4)).days == 4
    assert standing(due, date(2026, 3, 9), UTC, answered=due).state == "answered on time"
    # an answer after the as-of day is not yet known then
    assert standing(due, date(2026, 3, 2), UTC, answered=date(2026, 3, 4)).state == "overdue"


@pytest.mark.parametrize(("day", "months", "moved"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_add_months_clamps_to_the_month_end(day, months, moved):
    assert add_months(day, months) == moved


def test_time_zone_names():
    assert time_zone("Europe/Berlin") == BERLIN
    assert time_zone(" UTC ") == ZoneInfo("UTC")
    for bad in ("", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "localtime", "Europe/Berlin/x", "Factory"):
        with pytest.raises(ValueError, match="time zone"):
            time_zone(bad)


def test_the_setting_is_validated_and_defaults_to_utc(monkeypatch):
    monkeypatch.delenv("ENDWATCH_TIME_ZONE", raising=False)
    assert load_settings().zone == ZoneInfo("UTC")
    monkeypatch.setenv("ENDWATCH_TIME_ZONE", "America/Argentina/Buenos_Aires")
    assert load_settings().zone == ZoneInfo("America/Argentina/Buenos_Aires")
    monkeypatch.setenv("ENDWATCH_TIME_ZONE", "Nowhere/City")
    with pytest.raises(ValueError, match="Nowhere/City"):
        load_settings()


def test_bad_windows_and_naive_instants_are_refused():
    with pytest.raises(ValueError, match="outside"):
        due_on(date(2026, 1, 1), -1, UTC)
    with pytest.raises(ValueError, match="whole number"):
        due_on(date(2026, 1, 1), True, UTC)
    with pytest.raises(ValueError, match="no time zone"):
        local_day(datetime(2026, 1, 1, 12), UTC)


@settings(max_examples=300, deadline=None)
@given(opened=days, window=windows, zone=zones)
def test_due_is_opened_plus_window_days(opened, window, zone):
    tz = ZoneInfo(zone)
    due = due_on(opened, window, tz)
    assert (due - opened).days == window
    assert not is_overdue(due, due, tz)
    assert is_overdue(due, due + timedelta(days=1), tz)
    assert days_overdue(due, due + timedelta(days=5), tz) == 5


@settings(max_examples=300, deadline=None)
@given(due=days, zone=zones)
def test_the_deadline_passes_exactly_when_the_next_local_day_begins(due, zone):
    tz = ZoneInfo(zone)
    at = passes_at(due, tz)
    assert local_day(at, tz) == due + timedelta(days=1)
    assert local_day(at - timedelta(microseconds=1), tz) == due
    assert is_overdue(due, at, tz)
    assert not is_overdue(due, at - timedelta(microseconds=1), tz)


@settings(max_examples=300, deadline=None)
@given(opened=instants, window=windows, zone=zones)
def test_an_instant_and_its_local_day_give_the_same_deadline(opened, window, zone):
    tz = ZoneInfo(zone)
    assert due_on(opened, window, tz) == due_on(local_day(opened, tz), window, tz)
    # the local day is at most a day either side of the UTC day (offsets lie within -12 h and +14 h)
    assert abs((local_day(opened, tz) - opened.date()).days) <= 1


@settings(max_examples=300, deadline=None)
@given(day=days, months=st.integers(min_value=-240, max_value=240))
def test_add_months_keeps_the_day_or_lands_on_the_month_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


def test_today_is_today_in_the_authority_time_zone(tmp_path):
    from endwatch.bootstrap import bootstrap

    noon = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # already 23 November in Auckland (UTC+13 in summer)
    assert bootstrap(load_settings(home=tmp_path, time_zone="Pacific/Auckland"), clock=lambda: noon).today() \
        == date(2026, 11, 23)
    assert bootstrap(load_settings(home=tmp_path, time_zone="Pacific/Honolulu"), clock=lambda: noon).today() \
        == date(2026, 11, 22)


def test_the_escalation_mailbox_must_be_an_address(monkeypatch):
    monkeypatch.setenv("ENDWATCH_ESCALATION_EMAIL", "desk at authority")
    with pytest.raises(ValueError, match="not an e-mail address"):
        load_settings()
    monkeypatch.setenv("ENDWATCH_ESCALATION_EMAIL", " desk@authority.example ")
    assert load_settings().escalation_email == "desk@authority.example"
    monkeypatch.setenv("ENDWATCH_REMIND_DAYS_BEFORE", "-1")
    with pytest.raises(ValueError, match="remind_days_before"):
        load_settings()
