"""Reads for the front desk: the clinic's providers and zone, the appointments Healthie holds in
a range (every status, and the providers' blocked time: Healthie's blockers, cached briefly),
the providers' open hours, and what the mirror knows.

Healthie is read with the staff key. Each cached answer's key carries the providers'
availability versions (availability.selectors.provider_versions), which our own writes and
Healthie's webhooks bump (availability_invalidate): a change made here or in Healthie shows on
the next page load, and without one a calendar costs no Healthie call for CALENDAR_SECONDS.
"""

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from integrations.healthie.types import Appointment, Patient, Provider
from scheduling.availability import selectors as availability_selectors
from scheduling.common import conf
from scheduling.common.upstream import healthie
from scheduling.models import Booking

CALENDAR_SECONDS = 30  # a front desk reloads often; a change of ours or a webhook drops it sooner
MEMBERS_SECONDS = 300
PATIENT_SECONDS = 300


def providers() -> list[Provider]:
    """The organization's providers by last name (cached for MEMBERS_SECONDS)."""

    def fetch() -> list[Provider]:
        members = healthie().organization_members()
        return sorted(members, key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.id))

    key = availability_selectors.cache_key("staff-members")
    return availability_selectors.Read(key, fetch, MEMBERS_SECONDS).value()


def clinic_zone(members: list[Provider]) -> str:
    """The zone most of the clinic's providers work in (the first provider's on a tie);
    BOOKING_DEFAULT_TIMEZONE when Healthie names none."""
    zones = [p.timezone for p in members if p.timezone]
    if not zones:
        return conf.default_timezone()
    counts = Counter(zones)
    return max(zones, key=lambda z: (counts[z], -zones.index(z)))


def day_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The instants the clinic's days first..last begin and end (DST days are 23 or 25 hours)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return start, end


def _scope(provider_ids: tuple[str, ...], start: datetime, end: datetime) -> tuple:
    versions = availability_selectors.provider_versions(provider_ids)
    return provider_ids, versions, start.isoformat(), end.isoformat()


def _appointments_read(
    provider_ids: tuple[str, ...], start: datetime, end: datetime
) -> availability_selectors.Read:
    def fetch() -> list[Appointment]:
        return healthie().appointments(
            provider_ids=list(provider_ids),
            start=start,
            end=end,
            filter="all",
            with_all_statuses=True,
            include_blockers=True,  # blocked time shows on the calendar, marked (is_blocker)
        )

    key = availability_selectors.cache_key("staff-appointments", *_scope(provider_ids, start, end))
    return availability_selectors.Read(key, fetch, CALENDAR_SECONDS)


def appointments_between(
    *, provider_ids: tuple[str, ...], start: datetime, end: datetime
) -> list[Appointment]:
    """Every appointment Healthie holds for these providers starting in start..end, whatever
    its status (cancelled and no-show ones too), and their blockers (`is_blocker`), in date
    order."""
    if not provider_ids:
        return []
    return _appointments_read(provider_ids, start, end).value()


def _open_hours_read(provider_id: str, start: datetime, end: datetime):
    def fetch() -> list[tuple[datetime, datetime]]:
        found = healthie().availabilities(
            provider_id=provider_id,
            one_time=True,
            include_repeating=True,
            start=start,
            end=end,
        )
        return sorted(
            (a.range_start, a.range_end)
            for a in found
            if a.range_start and a.range_end and a.range_start < end and a.range_end > start
        )

    key = availability_selectors.cache_key("staff-open-hours", *_scope((provider_id,), start, end))
    return availability_selectors.Read(key, fetch, CALENDAR_SECONDS)


def open_hours(
    *, provider_id: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """A provider's open periods overlapping start..end (weekly hours' occurrences and one-off
    openings), as (opens, closes) instants."""
    return _open_hours_read(provider_id, start, end).value()


def prefetch(*, provider_ids: tuple[str, ...], start: datetime, end: datetime) -> None:
    """The calendar's Healthie reads that are not cached yet, side by side (one round trip)."""
    if not provider_ids:
        return
    availability_selectors.side_by_side(
        _appointments_read(provider_ids, start, end),
        *(_open_hours_read(p, start, end) for p in provider_ids),
    )


def mirrors(*, appointment_ids: list[str]) -> dict[str, Booking]:
    """Our bookings of these Healthie appointments (the oldest per appointment), with their
    provisioning parts."""
    found: dict[str, Booking] = {}
    bookings = (
        Booking.objects.filter(healthie_appointment_id__in=[i for i in appointment_ids if i])
        .prefetch_related("provisions")
        .order_by("id")
    )
    for booking in bookings:
        found.setdefault(booking.healthie_appointment_id, booking)
    return found


def patient(*, patient_id: str) -> Patient | None:
    """A Healthie patient (for appointments made in Healthie, which the mirror does not name)."""

    def fetch() -> Patient | None:
        return healthie().patient(patient_id)

    key = availability_selectors.cache_key("staff-patient", patient_id)
    return availability_selectors.Read(key, fetch, PATIENT_SECONDS).value()


def appointment(*, appointment_id: str) -> Appointment | None:
    """One appointment as Healthie holds it now, deleted ones included (never cached: the
    panel acts on it). Raises VendorError when Healthie cannot answer."""
    return healthie().appointment(appointment_id, include_deleted=True)
