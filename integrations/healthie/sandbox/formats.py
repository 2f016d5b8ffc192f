"""Healthie's input and output formats for dates, times and timezones.

Healthie accepts several spellings, depending on the argument:
- `createAvailability`/`editAvailability`: `range_start` "August 16, 2022",
  `time`/`end_time` "07 30".
- `ISO8601DateTime` arguments (2024-07-01 and later): ISO 8601, and a bare date for
  compatibility (graphql-ruby's scalar keeps accepting dates without a time).
- `String` datetimes such as `updateAppointment(datetime:)`: "YYYY-MM-DD HH:MM:SS" or ISO 8601;
  slot strings seen in the wild ("2021-10-10 10:00:00 -0400", "... UTC",
  "... EDT -04:00") are accepted too.
Outputs are ISO 8601 with the offset of the zone they are expressed in.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/New_York"  # Healthie's last-resort fallback (guides: timezones)


class FormatError(ValueError):
    """An input string Healthie would not accept; the message is safe to show to the caller."""


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or Healthie's default zone when none is given."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FormatError(f"{name} is not a valid timezone") from exc


def local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a wall clock in `tz` shows `at` on `day`.

    zoneinfo resolves the DST gap and overlap with fold=0: a time skipped by spring-forward is read
    with the pre-transition offset (02:30 becomes 03:30 daylight time) and an ambiguous fall-back
    time means its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=tz)


def iso(instant: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the offset `tz` has at that instant, e.g. 2026-12-07T09:30:00-05:00."""
    return instant.astimezone(tz).isoformat(timespec="seconds")


def ruby_time(instant: datetime, tz: ZoneInfo) -> str:
    """Ruby's Time#to_s, e.g. "2026-12-07 09:30:00 -0500". Fields Healthie still types `String`
    (Appointment.end, nextAvailableSlot) were not moved to ISO8601DateTime and keep this form."""
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z")


_LONG_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y")


def parse_long_date(value: str) -> date:
    """`range_start`: "August 16, 2022" as Healthie documents it; YYYY-MM-DD is accepted too."""
    text = (value or "").strip()
    for fmt in _LONG_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    raise FormatError(f"{value!r} is not a date like 'August 16, 2022'")


_HH_MM = re.compile(r"^\s*(\d{1,2})[ :](\d{2})\s*$")


def parse_hh_mm(value: str) -> time:
    """`time`/`end_time`: "07 30", "19 00" (a colon is tolerated)."""
    match = _HH_MM.match(value or "")
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise FormatError(f"{value!r} is not a time like '07 30'")


_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
)


def is_iso8601_datetime(value: str) -> bool:
    """What the `ISO8601DateTime` scalar accepts: ISO 8601 with a `T`, or a bare date."""
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        return False
    try:
        parse_datetime(value, UTC)
    except FormatError:
        return False
    return True


def is_iso8601_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and len(value) == 10


# "2021-10-10 10:00:00 EDT -04:00": the abbreviation is decoration, the offset decides.
_ABBREVIATED = re.compile(r"^(.*\d)\s+[A-Z]{2,5}\s+([+-]\d{2}:?\d{2})$")


def parse_datetime(value: str, tz: ZoneInfo) -> datetime:
    """An instant from any datetime spelling Healthie uses; a value without an offset is read
    as wall-clock time in `tz`, a bare date as midnight in `tz`."""
    text = (value or "").strip()
    if not text:
        raise FormatError("a date and time is required")
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    match = _ABBREVIATED.match(text)
    if match:
        text = f"{match[1]}{match[2]}"
    # "2021-10-10 10:00:00 -0400": drop the space before the offset.
    text = re.sub(r"(\d)\s+([+-]\d{2}:?\d{2})$", r"\1\2", text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FormatError(f"{value!r} is not a valid date and time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def parse_day(value: str, tz: ZoneInfo) -> date:
    """A calendar day from a date argument: "2026-12-07", or a datetime read as its day in `tz`."""
    text = (value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_datetime(text, tz).astimezone(tz).date()


def parse_month(value: str | None, today: date) -> date:
    """`date_from_month`: any day of the wanted month ("2021-10-10"; "2021-10" too) or today."""
    text = (value or "").strip()
    if not text:
        return today.replace(day=1)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        return date.fromisoformat(text[:10]).replace(day=1)
    except ValueError as exc:
        raise FormatError(f"{value!r} is not a date") from exc


def month_end(first: date) -> date:
    """The last day of the month starting on `first`."""
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def duration_string(minutes: int) -> str:
    """Healthie's `duration_string`: "5h", "7h 30m", "45m"."""
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours}h"] if hours else []) + ([f"{rest}m"] if rest else [])
    return " ".join(parts) or "0m"
