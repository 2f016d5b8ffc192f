"""Dates and times as patients read them, independent of the server's locale, in the active
language (common.language): "Monday, December 7, 2026" and "9:30 AM" in English, "lunes, 7 de
diciembre de 2026" and "9:30 a. m." in Spanish (the 12-hour clock US Spanish speakers read).
A time inside a sentence is `at_clock`: Spanish puts the hour's article before it ("la 1:05",
"las 2:05").

Everything is computed on aware datetimes; a wall-clock value only exists for display.
"""

import calendar
import functools
import zoneinfo
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_noop, npgettext, pgettext
from django.utils.translation import gettext_lazy as _

WEEKDAYS = (
    _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
    _("Sunday"),
)  # fmt: skip
MONTHS = (
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"),
    _("July"), _("August"), _("September"), _("October"), _("November"), _("December"),
)  # fmt: skip

# The switcher's short list; the patient's own zone is added when it is not one of these.
COMMON_ZONES = (
    ("America/New_York", _("Eastern Time")),
    ("America/Chicago", _("Central Time")),
    ("America/Denver", _("Mountain Time")),
    ("America/Phoenix", _("Arizona Time")),
    ("America/Los_Angeles", _("Pacific Time")),
    ("America/Anchorage", _("Alaska Time")),
    ("Pacific/Honolulu", _("Hawaii Time")),
    ("America/Puerto_Rico", _("Atlantic Time (Puerto Rico)")),
    ("Europe/London", _("UK Time")),
    ("Europe/Paris", _("Central European Time")),
    ("Asia/Kolkata", _("India Time")),
    ("Australia/Sydney", _("Sydney Time")),
    ("UTC", _("Coordinated Universal Time")),
)
_ZONE_NAMES = dict(COMMON_ZONES)


@functools.cache
def _all_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str | None) -> bool:
    return bool(name) and name in _all_zones()


def zone_label(name: str) -> str:
    """ "Eastern Time (America/New_York)" for the common zones, the IANA name otherwise."""
    friendly = _ZONE_NAMES.get(name)
    return f"{friendly} ({name})" if friendly else name.replace("_", " ")


def zone_choices(current: str) -> list[tuple[str, str]]:
    choices = [(name, zone_label(name)) for name, _ in COMMON_ZONES]
    if current not in _ZONE_NAMES:
        choices.insert(0, (current, zone_label(current)))
    return choices


def full_date(day: date) -> str:
    """ "Monday, December 7, 2026" ("lunes, 7 de diciembre de 2026")."""
    return gettext("%(weekday)s, %(month)s %(day)s, %(year)s") % {
        "weekday": WEEKDAYS[day.weekday()],
        "month": MONTHS[day.month - 1],
        "day": day.day,
        "year": day.year,
    }


def month_name(first: date) -> str:
    """ "December 2026" ("diciembre de 2026")."""
    return gettext("%(month)s %(year)s") % {"month": MONTHS[first.month - 1], "year": first.year}


def clock(instant: datetime) -> str:
    """ "9:30 AM" ("9:30 a. m."): the wall clock of `instant` in its own zone."""
    hour = instant.hour % 12 or 12
    half = pgettext("before noon", "AM") if instant.hour < 12 else pgettext("after noon", "PM")
    return f"{hour}:{instant.minute:02d} {half}"


def at_clock(instant: datetime) -> str:
    """The time as a sentence names it: "1:05 PM" in English; in Spanish with the article the
    hour takes, singular at one o'clock ("a la 1:05 p. m.", "a las 2:05 p. m.", "de la 1:00 a
    las 1:30"). The article comes from the catalogue's plural forms, counted by the hour on the
    clock face, so "%(date)s at %(time)s" reads "%(date)s a %(time)s" in Spanish. Standalone
    times (the time buttons) use `clock`."""
    hour = instant.hour % 12 or 12
    return npgettext("a time in a sentence, counted by its hour", "%(time)s", "%(time)s", hour) % {
        "time": clock(instant)
    }


def local(instant: datetime, tz: str) -> datetime:
    return instant.astimezone(ZoneInfo(tz))


def part_of_day(instant: datetime) -> str:
    """The group's key, in English ("Morning"): templates translate it for the heading."""
    if instant.hour < 12:
        return gettext_noop("Morning")
    if instant.hour < 17:
        return gettext_noop("Afternoon")
    return gettext_noop("Evening")


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_weeks(first: date) -> list[list[date | None]]:
    """The month as weeks starting on Sunday (US calendars); None pads the first and last week."""
    weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    return [[d if d.month == first.month else None for d in week] for week in weeks]


# The dates the app books within: a month, day or instant outside is no answer at all (a
# hand-edited or hostile link), never a question for Healthie nor date arithmetic that overflows.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def _bookable(day: date) -> date | None:
    return day if EARLIEST <= day <= LATEST else None


def parse_month(value: str | None) -> date | None:
    """ "2026-12" (or any "YYYY-MM-DD" in it) -> date(2026, 12, 1); None when unreadable."""
    text = (value or "").strip()
    try:
        if len(text) == 7:
            return _bookable(date.fromisoformat(text + "-01"))
        return _bookable(date.fromisoformat(text).replace(day=1))
    except ValueError:
        return None


def parse_day(value: str | None) -> date | None:
    try:
        return _bookable(date.fromisoformat((value or "").strip()))
    except ValueError:
        return None


def utc_stamp(instant: datetime) -> str:
    """20261207T143000Z (Google Calendar links)."""
    return instant.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def month_grid(month: date, open_days: set[date], today: date, selected: date | None):
    """The month as weeks of day cells for the calendar partial (None pads the edges)."""
    return [
        [
            None
            if day is None
            else {
                "date": day,
                "label": full_date(day),
                "open": day in open_days and day >= today,
                "selected": day == selected,
            }
            for day in week
        ]
        for week in month_weeks(month)
    ]


def grouped_times(starts: list[datetime], tz: str) -> list[tuple[str, list[dict]]]:
    """Start times grouped Morning / Afternoon / Evening, labelled "9:30 AM" in `tz`."""
    groups: dict[str, list[dict]] = {"Morning": [], "Afternoon": [], "Evening": []}
    for start in starts:
        local = start.astimezone(ZoneInfo(tz))
        groups[part_of_day(local)].append({"value": start.isoformat(), "label": clock(local)})
    return [(name, items) for name, items in groups.items() if items]


def parse_instant(value: str) -> datetime | None:
    """An aware datetime from ISO 8601 (a posted slot), None for anything else."""
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    if instant.tzinfo is None or not _bookable(instant.date()):
        return None
    return instant
