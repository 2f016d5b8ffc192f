"""Open appointment slots, computed the way a clinic calendar works.

A provider is bookable inside their availabilities (weekly repeating ones and one-time ones),
outside their active appointments widened by the appointment-setting buffer, on the calendar
interval, for the full length of the appointment type, no sooner than the minimum advance time
and no later than the booking window.

Wall-clock times are turned into instants in the availability's own zone with zoneinfo, then slots
are stepped in absolute time: 09:00 New York is 14:00Z in winter and 13:00Z in summer, and a night
that loses or gains an hour yields one slot less or more. Nothing here adds a fixed UTC offset.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .formats import local

ONE_DAY = timedelta(days=1)


class AvailabilityLike(Protocol):
    is_repeating: bool
    day_of_week: int  # 0 = Sunday, as Healthie numbers days
    start_time: time
    end_time: time
    timezone: str
    range_start: date
    range_end: date | None  # repeating: last day (inclusive) or open-ended; one-time: end day


@dataclass(frozen=True)
class Rules:
    """One provider's booking rules for one appointment type."""

    length: timedelta
    interval: timedelta
    buffer: timedelta
    min_advance: timedelta
    max_days_ahead: int | None  # the booking window, in the provider's calendar days
    tz: ZoneInfo  # the provider's zone, which the booking window counts days in


def healthie_weekday(day: date) -> int:
    """Healthie's day_of_week: 0 = Sunday ... 6 = Saturday."""
    return (day.weekday() + 1) % 7


def first_day(availability: AvailabilityLike) -> date:
    """The first day an availability is open: a repeating one's first matching weekday."""
    day = availability.range_start
    if availability.is_repeating:
        day += timedelta(days=(availability.day_of_week - healthie_weekday(day)) % 7)
    return day


def occurrences(
    availability: AvailabilityLike, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The concrete open periods of one availability that overlap [start, end), in UTC.

    UTC matters: Python adds timedeltas to a zoned datetime in wall-clock time and compares two
    datetimes of one zone without their offsets, both wrong across a DST transition.
    """
    tz = ZoneInfo(availability.timezone)
    if not availability.is_repeating:
        opens = local(availability.range_start, availability.start_time, tz).astimezone(UTC)
        closes = local(
            availability.range_end or availability.range_start, availability.end_time, tz
        ).astimezone(UTC)
        return [(opens, closes)] if opens < end and closes > start and opens < closes else []
    periods = []
    day = start.astimezone(tz).date() - ONE_DAY
    last = end.astimezone(tz).date() + ONE_DAY
    while day <= last:
        in_range = availability.range_start <= day and (
            availability.range_end is None or day <= availability.range_end
        )
        if in_range and healthie_weekday(day) == availability.day_of_week:
            opens = local(day, availability.start_time, tz).astimezone(UTC)
            closes = local(day, availability.end_time, tz).astimezone(UTC)
            if opens < end and closes > start and opens < closes:
                periods.append((opens, closes))
        day += ONE_DAY
    return periods


def open_slots(
    availabilities: Iterable[AvailabilityLike],
    busy: Iterable[tuple[datetime, datetime]],
    rules: Rules,
    now: datetime,
    start: datetime,
    end: datetime,
    blocked: Iterable[tuple[datetime, datetime]] = (),
) -> list[datetime]:
    """Start instants in [start, end) at which an appointment of `rules.length` can be booked.

    `busy` holds the provider's active appointments as (start, end); the buffer is applied here
    on both sides, so back-to-back bookings keep `rules.buffer` minutes apart. `blocked` holds
    the provider's blockers (time off), taken away exactly, without the buffer.
    """
    blocked = [(b_start - rules.buffer, b_end + rules.buffer) for b_start, b_end in busy] + list(
        blocked
    )
    earliest = max(start, now + rules.min_advance)
    last_day = None
    if rules.max_days_ahead is not None:
        last_day = now.astimezone(rules.tz).date() + timedelta(days=rules.max_days_ahead)
    found = set()
    for availability in availabilities:
        for opens, closes in occurrences(availability, start, end):
            slot = opens
            while slot + rules.length <= closes:
                if (
                    earliest <= slot < end
                    and (last_day is None or slot.astimezone(rules.tz).date() <= last_day)
                    and not any(
                        slot < b_end and slot + rules.length > b_start for b_start, b_end in blocked
                    )
                ):
                    found.add(slot)
                slot += rules.interval
    return sorted(found)
