"""Clinic admin reads: Healthie's providers and appointment types by name (for the pickers), and
a provider's open hours and blocked time as the clinic reads them (local times in the provider's
zone).

The catalogue is cached briefly and shared with the patient pages' cache; open hours are read
live, since staff edit them and must see their own change at once.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from integrations.errors import TransientError
from integrations.healthie.types import Appointment, AppointmentType, Availability, Provider
from scheduling.availability.selectors import (
    CATALOGUE_SECONDS,
    CATALOGUE_STALE_SECONDS,
    cache_key,
    cached_call,
)
from scheduling.common import conf
from scheduling.common.upstream import UpstreamUnavailable, healthie

# Healthie numbers weekdays from Sunday = 0.
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _catalogue(kind: str, fetch) -> list:
    try:
        return cached_call(
            cache_key(kind), fetch, timeout=CATALOGUE_SECONDS, stale_for=CATALOGUE_STALE_SECONDS
        )
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc


def providers() -> list[Provider]:
    """The organisation's providers, by name."""
    found = _catalogue("staff-members", lambda: healthie().organization_members())
    return sorted(found, key=lambda p: (p.name.casefold(), p.id))


def provider_get(provider_id: str) -> Provider | None:
    return next((p for p in providers() if p.id == provider_id), None)


def appointment_types() -> list[AppointmentType]:
    """Every appointment type (bookable by patients or not), by name."""
    found = _catalogue("staff-types", lambda: healthie().appointment_types(clients_can_book=None))
    return sorted(found, key=lambda t: (t.name.casefold(), t.id))


def provider_zone(provider: Provider | None) -> str:
    """Where a provider's hours are read and entered: their Healthie zone, else the clinic's."""
    return (provider and provider.timezone) or conf.default_timezone()


@dataclass(frozen=True)
class Hours:
    """One availability as staff read it: wall-clock times in `timezone`."""

    id: str  # what edit and delete take (a weekly one's repeating_availability_id)
    weekly: bool
    weekday: int  # Healthie's: 0 = Sunday
    first_day: date  # weekly: the first week it applies; one-off: its day
    last_day: date | None  # weekly: its last day (None: open-ended); one-off: the day it ends
    opens: time
    closes: time
    timezone: str
    appointment_type_id: str | None

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.weekday]


def _hours(availability: Availability, fallback_zone: str) -> Hours | None:
    if availability.range_start is None or availability.range_end is None:
        return None  # nothing we could show or edit faithfully
    zone_name = availability.timezone or fallback_zone
    tz = ZoneInfo(zone_name)
    # Healthie answers with instants; the hours are wall-clock times in the availability's zone
    # (a weekly 9:00 stays 9:00 across a DST change), so read them back in that zone.
    opens, closes = availability.range_start.astimezone(tz), availability.range_end.astimezone(tz)
    weekly = availability.is_repeating
    weekday = availability.day_of_week
    if weekday is None:
        weekday = (opens.date().weekday() + 1) % 7
    return Hours(
        id=(availability.repeating_availability_id or availability.id)
        if weekly
        else availability.id,
        weekly=weekly,
        weekday=weekday,
        first_day=opens.date(),
        last_day=availability.end_on if weekly else closes.date(),
        opens=opens.time().replace(tzinfo=None),
        closes=closes.time().replace(tzinfo=None),
        timezone=zone_name,
        appointment_type_id=availability.appointment_type_id,
    )


@dataclass(frozen=True)
class ProviderHours:
    weekly: list[Hours]  # by weekday (Monday first), then opening time
    one_off: list[Hours]  # upcoming ones, by day


def hours_for(provider: Provider) -> ProviderHours:
    """A provider's weekly hours and upcoming one-off openings, read live from Healthie."""
    zone_name = provider_zone(provider)
    client = healthie()
    try:
        weekly = client.availabilities(provider_id=provider.id, is_repeating=True)
        one_off = client.availabilities(provider_id=provider.id, one_time=True)
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc
    weekly_hours = {h.id: h for a in weekly if (h := _hours(a, zone_name)) and h.weekly}
    today = timezone.now().astimezone(ZoneInfo(zone_name)).date()
    upcoming = [
        h
        for a in one_off
        if (h := _hours(a, zone_name)) and not h.weekly and (h.last_day or h.first_day) >= today
    ]
    return ProviderHours(
        weekly=sorted(weekly_hours.values(), key=lambda h: ((h.weekday + 6) % 7, h.opens)),
        one_off=sorted(upcoming, key=lambda h: (h.first_day, h.opens)),
    )


def hours_get(provider: Provider, hours_id: str) -> Hours | None:
    found = hours_for(provider)
    return next((h for h in found.weekly + found.one_off if h.id == hours_id), None)


# How far ahead the editor lists blocked time. Healthie has no filter for blockers alone, so
# the read pages through every visit in the range too: a quarter keeps the page quick.
BLOCKS_AHEAD_DAYS = 92
BLOCKS_AHEAD = timedelta(days=BLOCKS_AHEAD_DAYS)
BLOCKS_BEHIND = timedelta(days=14)


@dataclass(frozen=True)
class Block:
    """One blocker (time the provider keeps off the calendar) as staff read it: its start and
    end in `timezone`, the provider's zone."""

    id: str
    start: datetime  # aware, in `timezone`
    end: datetime
    reason: str
    timezone: str

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def starts(self) -> time:
        return self.start.time().replace(tzinfo=None)

    @property
    def ends(self) -> time:
        return self.end.time().replace(tzinfo=None)

    @property
    def ends_another_day(self) -> bool:
        return self.end.date() != self.start.date()


def blocks_for(provider: Provider) -> list[Block]:
    """A provider's blocked time that has not ended yet (up to BLOCKS_AHEAD), soonest first,
    read live from Healthie (staff must see their own change at once)."""
    zone_name = provider_zone(provider)
    tz = ZoneInfo(zone_name)
    now = timezone.now()
    # A block under way (a holiday of up to BLOCKS_BEHIND) started before now and is listed.
    since = datetime.combine(now.astimezone(tz).date() - BLOCKS_BEHIND, time(), tz)
    try:
        found = healthie().blockers(provider_id=provider.id, start=since, end=now + BLOCKS_AHEAD)
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc
    blocks = [
        Block(
            id=a.id,
            start=a.start.astimezone(tz),
            end=a.end.astimezone(tz),
            reason=a.notes or "",
            timezone=zone_name,
        )
        for a in found
        if a.end is not None and a.end > now
    ]
    return sorted(blocks, key=lambda b: (b.start, b.id))


def block_get(provider: Provider, block_id: str) -> Block | None:
    return next((b for b in blocks_for(provider) if b.id == block_id), None)


def appointments_between(
    *, start: datetime, end: datetime, provider_ids: list[str] | None, max_pages: int
) -> list[Appointment]:
    """Healthie's past appointments in [start, end) of these providers (all of the clinic's
    when None), cancelled and no-show ones included, at most `max_pages` pages."""
    try:
        return healthie().appointments(
            provider_ids=provider_ids,
            is_org=True,
            start=start,
            end=end,
            filter="past",
            with_all_statuses=True,
            max_pages=max_pages,
        )
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc
