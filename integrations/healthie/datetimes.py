"""Healthie's date and time spellings, read and written in one place.

Healthie returns slot and appointment datetimes in several spellings (vendor-facts):
- Ruby `Time#to_s`:            "2021-10-10 10:00:00 -0400", "2021-10-10 10:00:00 UTC"
- ISO 8601 (2024-07-01+ types): "2021-10-10T10:00:00-04:00", "2021-10-10T14:00:00Z", ".123" allowed
- the docs' example:            "2021-10-10 10:00:00 EDT -04:00"
`parse_datetime` reads them all into an aware datetime and refuses anything without an offset
(a wall-clock time with no offset is ambiguous). The client turns its ValueError into a
ContractError. What we send is ISO 8601 with an explicit offset (`format_datetime`).
"""

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_DATETIME = re.compile(
    r"""^\s*
    (?P<date>\d{4}-\d{2}-\d{2})
    [T\s]
    (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
    \s*
    (?:(?P<abbr>[A-Za-z]{1,6})(?=\s|$)\s*)?     # UTC, GMT, EDT, Z ...
    (?P<offset>[+-]\d{2}(?::?\d{2})?)?
    \s*$""",
    re.VERBOSE,
)
_UTC_NAMES = frozenset({"Z", "UTC", "GMT"})
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def parse_datetime(value: str) -> datetime:
    """Read any Healthie datetime spelling into an aware datetime (keeps the offset it was given).

    Raises ValueError for anything else, including a time with no offset or only a zone
    abbreviation other than UTC/GMT/Z (abbreviations like "CST" are ambiguous).
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a datetime string, got {type(value).__name__}")
    text = value.strip()
    # "...T10:00:00Z" / "...T10:00:00.123Z": the Z sticks to the digits.
    if text.endswith(("Z", "z")) and len(text) > 1 and text[-2].isdigit():
        text = text[:-1] + " Z"
    match = _DATETIME.match(text)
    if not match:
        raise ValueError(f"unrecognised Healthie datetime {value!r}")
    abbr = (match["abbr"] or "").upper()
    offset_text = match["offset"]
    if offset_text:
        tz = _offset(offset_text, value)
    elif abbr in _UTC_NAMES:
        tz = UTC
    else:
        raise ValueError(f"Healthie datetime {value!r} has no UTC offset")
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    try:
        day = date.fromisoformat(match["date"])
        clock = time(
            int(match["hour"]), int(match["minute"]), int(match["second"] or 0), int(fraction)
        )
    except ValueError as exc:
        raise ValueError(f"invalid Healthie datetime {value!r}: {exc}") from None
    return datetime.combine(day, clock, tzinfo=tz)


def _offset(text: str, value: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset in Healthie datetime {value!r}")
    delta = sign * timedelta(hours=hours, minutes=minutes)
    return UTC if not delta else timezone(delta)


def parse_date(value: str) -> date:
    """Read a "YYYY-MM-DD" day (daysAvailableForRange, ISO8601Date fields). ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {type(value).__name__}")
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"unrecognised Healthie date {value!r}")
    return date.fromisoformat(text)


def format_datetime(value: datetime, tz: str | ZoneInfo | None = None) -> str:
    """ISO 8601 with an explicit offset, seconds precision: "2026-12-07T09:30:00-05:00".

    `tz` (an IANA name or ZoneInfo) expresses the instant in that zone; without it the datetime's
    own offset is kept. Naive datetimes are refused: we never send an ambiguous wall-clock time.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("refusing to send a naive datetime to Healthie")
    if tz is not None:
        value = value.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)
    return value.replace(microsecond=0).isoformat()


def format_long_date(day: date) -> str:
    """Availability `range_start`/`range_end`/`end_on`: "August 16, 2022" (no zero padding)."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"  # not %B: locale-independent


def format_clock(value: time) -> str:
    """Availability `time`/`end_time`: "07 30"."""
    return f"{value.hour:02d} {value.minute:02d}"
