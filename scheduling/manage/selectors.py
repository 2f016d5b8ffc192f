"""Reads for the manage link: the booking a token opens, its history, the provider's rules from
Healthie, and the open days and times it could move to (cached like the booking calendar's, and
excluding the booking's own slot)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from integrations.errors import VendorError
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
    except VendorError as exc:  # unreachable, or an answer we cannot read (a non-GraphQL 404)
        raise UpstreamUnavailable(str(exc)) from exc


def _reschedule_args(booking: Booking) -> dict:
    return {
        "appointment_type_id": booking.appointment_type_id,
        "contact_type": booking.contact_type,
        "provider_id": booking.provider_id,
        "appointment_to_reschedule_id": booking.healthie_appointment_id,
    }


def _scope(booking: Booking) -> tuple:
    providers = (booking.provider_id,)
    return (
        booking.healthie_appointment_id, booking.appointment_type_id, booking.contact_type,
        providers, availability_selectors.provider_versions(providers),
    )  # fmt: skip


def _days(booking: Booking, tz: str, month: date | None = None):
    def fetch_days(*, start: date, end: date) -> list[date]:
        return healthie().days_available(
            **_reschedule_args(booking), start=start, end=end, timezone=tz
        )

    return availability_selectors.days_read(
        "reschedule-days", _scope(booking), tz, month, fetch_days
    )


def _times(booking: Booking, tz: str, day: date):
    def fetch() -> list[tuple[str, str]]:
        slots = healthie().available_slots(**_reschedule_args(booking), day=day, timezone=tz)
        return [(s.start.isoformat(), s.provider_id) for s in slots]

    key = availability_selectors.cache_key("reschedule-times", *_scope(booking), day, tz)
    return availability_selectors.Read(key, fetch, conf.availability_cache_seconds())


def reschedule_open_days(*, booking: Booking, month: date, tz: str) -> list[date]:
    """Days of `month` (in `tz`) with a time the appointment could move to."""
    return availability_selectors.days_of_month(
        _days(booking, tz), lambda m: _days(booking, tz, m), month
    )


def reschedule_first_open_day(*, booking: Booking, tz: str) -> date | None:
    return availability_selectors.first_day(_days(booking, tz), tz)


def reschedule_prefetch(*, booking: Booking, tz: str, day: date | None) -> None:
    """The window's days and `day`'s times at once, when both are missing."""
    if day is not None:
        availability_selectors.side_by_side(_days(booking, tz), _times(booking, tz, day))


def reschedule_open_times(
    *, booking: Booking, day: date, tz: str, keep_hold_token: str | None = None
) -> list[datetime]:
    """Start times on `day` (in `tz`) the appointment could move to: Healthie's, minus the
    appointment's own time and the times other patients hold or booked through us."""
    raw = _times(booking, tz, day).value()
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
