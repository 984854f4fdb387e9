"""Deadline arithmetic in the authority's time zone: when something opened on a day (or at an instant) with a
window of N days is due, when that deadline passes, and whether it is overdue as of a day or an instant.

Promises (tested with hypothesis across month ends, leap days and every IANA zone):
- a deadline is a calendar day in the authority's time zone: due = the local day it opened + N days;
- something due on day D is on time through the whole of D, local time, and overdue from the first instant
  of D + 1 (`passes_at`), whatever the zone's daylight-saving changes (a skipped midnight included);
- months add by the calendar, clamped to the month's last day (31 January + 1 month = 28 or 29 February).

Pure: no clock, no I/O; time comes in as a parameter. Zones are `datetime.tzinfo` (zoneinfo.ZoneInfo).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_REPLY_DAYS = 28  # the reply window investigators give manufacturers and states (iTrace, ATT Art. 11(5))
MAX_WINDOW_DAYS = 3660  # ten years: a window longer than this is a typing error, not a deadline


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (e.g. "Europe/Berlin", "UTC"); ValueError naming it when there is none.

    Only names the IANA time zone database lists are accepted: not file paths, not "posix/..." or
    "right/..." variants, not the machine's "localtime" nor tzdata's placeholder "Factory"."""
    key = name.strip()
    if not key or key in ("localtime", "Factory") or key.startswith(("/", ".")) or ".." in key:
        raise ValueError(f"{name!r} is not an IANA time zone name (such as 'Europe/Berlin' or 'UTC')")
    if key not in _known_zones() and key != "UTC":
        raise ValueError(f"{name!r} is not an IANA time zone name (such as 'Europe/Berlin' or 'UTC')")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as e:  # the name is listed but its data is not readable
        raise ValueError(f"the time zone {name!r} is not available on this machine ({e})") from e


_ZONES: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _ZONES  # the list is read from disk once; it does not change while a process runs
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def local_day(instant: datetime, zone: tzinfo) -> date:
    """The calendar day `instant` falls on in `zone`. A naive instant is refused: it could be any day."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant.isoformat()} has no time zone, so its day in the authority's zone is unknown")
    return instant.astimezone(zone).date()


def _day(when: date | datetime, zone: tzinfo) -> date:
    """A day as given, or the local day of an instant."""
    return local_day(when, zone) if isinstance(when, datetime) else when


def check_window(days: int) -> None:
    """ValueError unless `days` is a reply window endwatch accepts (0 to MAX_WINDOW_DAYS days)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError(f"a window is a whole number of days, not {days!r}")
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise ValueError(f"a window of {days} days is outside 0 to {MAX_WINDOW_DAYS}")


def due_on(opened: date | datetime, days: int, zone: tzinfo) -> date:
    """The day something opened on `opened` (a day, or an instant read in `zone`) with a window of `days` is due."""
    check_window(days)
    return _day(opened, zone) + timedelta(days=days)


def passes_at(due: date, zone: tzinfo) -> datetime:
    """The first instant (in UTC) at which something due on `due` is overdue: the start of the next local day.

    Where that local midnight does not exist (a zone that springs forward at midnight), the day starts at the
    transition itself, which is what `fold=0` gives."""
    start = datetime.combine(due + timedelta(days=1), time(0, 0), tzinfo=zone)
    return start.astimezone(UTC)


def is_overdue(due: date, as_of: date | datetime, zone: tzinfo) -> bool:
    """Whether something due on `due` and still unanswered is overdue as of `as_of` (a day or an instant)."""
    return _day(as_of, zone) > due


def days_overdue(due: date, as_of: date | datetime, zone: tzinfo) -> int:
    """How many whole days past its due day something is as of `as_of` (0 while not overdue)."""
    return max(0, (_day(as_of, zone) - due).days)


def days_left(due: date, as_of: date | datetime, zone: tzinfo) -> int:
    """Days from `as_of` to the due day (0 on the day itself, negative once overdue)."""
    return (due - _day(as_of, zone)).days


def answered_on_time(due: date, answered: date) -> bool:
    """Whether an answer given on `answered` met the deadline `due` (the due day itself counts as on time)."""
    return answered <= due


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months (negative goes back), clamped to the last day of the month it
    lands in: 31 January + 1 month is 28 February (29 in a leap year), 29 February + 12 months 28 February."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError(f"{day.isoformat()} moved by {months} months is outside the calendar")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Standing:
    """Where a deadline stands as of a day: `state` is one of "open" (not yet due), "due" (due today),
    "overdue", "answered on time" or "answered late"; `days` is days left while open, days late otherwise."""

    state: str
    days: int


def standing(due: date, as_of: date | datetime, zone: tzinfo, answered: date | None = None) -> Standing:
    """Where something due on `due` stands as of `as_of`, given the day it was answered (if it was, by then)."""
    day = _day(as_of, zone)
    if answered is not None and answered <= day:
        late = (answered - due).days
        return Standing("answered on time", 0) if late <= 0 else Standing("answered late", late)
    if day < due:
        return Standing("open", (due - day).days)
    if day == due:
        return Standing("due", 0)
    return Standing("overdue", (day - due).days)
