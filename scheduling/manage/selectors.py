"""Reads for the manage link: the booking a token opens, its history, the provider's rules from
Healthie, and the open days and times it could move to (cached like the booking calendar's, and
excluding the booking's own slot)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from integrations.errors import TransientError
from integrations.healthie.types import AppointmentSetting
from scheduling.availability import selectors as availability_selectors
from scheduling.common import conf
from scheduling.common.upstream import UpstreamUnavailable, healthie
from scheduling.models import Booking, BookingChange
from scheduling.models.booking import MANAGE_TOKEN_SHAPE

SETTING_CACHE_SECONDS = 60


def booking_for_token(*, token: str) -> Booking | None:
    if not MANAGE_TOKEN_SHAPE.fullmatch(token or ""):
        return None
    return Booking.objects.select_related("page").filter(manage_token=token).first()


def changes_done(*, booking: Booking) -> list[BookingChange]:
    """What happened to the appointment since it was booked, oldest first."""
    return list(booking.changes.filter(state=BookingChange.State.DONE))


def provider_setting(*, provider_id: str, fresh: bool = False) -> AppointmentSetting | None:
    """The provider's AppointmentSetting from Healthie (None: Healthie has none).

    Cached for SETTING_CACHE_SECONDS with single flight for pages; `fresh=True` (the services,
    right before acting) always asks Healthie. Raises UpstreamUnavailable when Healthie
    cannot answer.
    """

    def fetch() -> AppointmentSetting | None:
        return healthie().appointment_setting(provider_id=provider_id)

    key = availability_selectors.cache_key("appointment-setting", provider_id)
    timeout = min(SETTING_CACHE_SECONDS, conf.availability_cache_seconds()) or 1
    try:
        if fresh:
            return fetch()
        return availability_selectors.cached_call(key, fetch, timeout=timeout)
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc


def _reschedule_args(booking: Booking) -> dict:
    return {
        "appointment_type_id": booking.appointment_type_id,
        "contact_type": booking.contact_type,
        "provider_id": booking.provider_id,
        "appointment_to_reschedule_id": booking.healthie_appointment_id,
    }


def _cached(kind: str, booking: Booking, produce, *parts):
    providers = (booking.provider_id,)
    key = availability_selectors.cache_key(
        kind, booking.healthie_appointment_id, booking.appointment_type_id, booking.contact_type,
        providers, availability_selectors.provider_versions(providers), *parts,
    )  # fmt: skip
    timeout = conf.availability_cache_seconds()
    try:
        return availability_selectors.cached_call(key, produce, timeout=timeout)
    except TransientError as exc:
        raise UpstreamUnavailable(str(exc)) from exc


def reschedule_open_days(*, booking: Booking, month: date, tz: str) -> list[date]:
    """Days of `month` (in `tz`) with a time the appointment could move to."""

    def fetch() -> list[str]:
        days = healthie().days_available(**_reschedule_args(booking), month=month, timezone=tz)
        return [d.isoformat() for d in days]

    days = _cached("reschedule-days", booking, fetch, month.isoformat(), tz)
    return [d for d in (date.fromisoformat(x) for x in days) if d.replace(day=1) == month]


def reschedule_first_open_day(*, booking: Booking, tz: str) -> date | None:
    today = timezone.now().astimezone(ZoneInfo(tz)).date()

    def fetch() -> str | None:
        found = healthie().next_available_slot(
            **_reschedule_args(booking),
            timezone=tz,
            not_before=today,
            not_after=today + timedelta(days=31 * conf.search_months()),
        )
        return found.isoformat() if found else None

    value = _cached("reschedule-next", booking, fetch, today.isoformat(), tz)
    return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).date() if value else None


def reschedule_open_times(
    *, booking: Booking, day: date, tz: str, keep_hold_token: str | None = None
) -> list[datetime]:
    """Start times on `day` (in `tz`) the appointment could move to: Healthie's, minus the
    appointment's own time and the times other patients hold or booked through us."""

    def fetch() -> list[tuple[str, str]]:
        slots = healthie().available_slots(**_reschedule_args(booking), day=day, timezone=tz)
        return [(s.start.isoformat(), s.provider_id) for s in slots]

    raw = _cached("reschedule-times", booking, fetch, day.isoformat(), tz)
    zone = ZoneInfo(tz)
    starts = sorted(
        {
            start
            for start, provider_id in ((datetime.fromisoformat(s), p) for s, p in raw)
            if provider_id == booking.provider_id
            and start.astimezone(zone).date() == day
            and start != booking.start
        }
    )
    held = availability_selectors.held_slots(
        provider_ids=(booking.provider_id,), starts=starts, keep=keep_hold_token
    )
    return [s for s in starts if (booking.provider_id, s) not in held]
