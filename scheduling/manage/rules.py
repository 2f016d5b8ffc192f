"""The clinic's rules for patients changing an appointment, from Healthie's AppointmentSetting.

This app acts with the clinic's staff key, so Healthie does not apply its patient rules to our
calls: we apply them here (vendor-facts: "Reschedule / cancel"). The decision functions are pure
(no I/O); `provider_setting` reads the provider's setting from Healthie, briefly cached for pages
and fresh for the services that act on the answer.

When an action is refused, the patient sees the clinic's own words from Healthie
(`cant_reschedule_message` / `cant_cancel_message`; a fallback when the clinic left it empty),
after a short sentence saying why (too close to the start, already rescheduled, past...).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.errors import TransientError
from integrations.healthie.types import AppointmentSetting
from scheduling.availability import selectors as availability_selectors
from scheduling.common import conf
from scheduling.common.upstream import UpstreamUnavailable, healthie

SETTING_CACHE_SECONDS = 60

FALLBACK_RESCHEDULE = "Please contact the clinic to change this appointment."
FALLBACK_CANCEL = "Please contact the clinic to cancel this appointment."

# Why an action is refused, as the patient reads it (before the clinic's message).
WHY = {
    "cancelled": "This appointment has been cancelled.",
    "past": "This appointment's time has passed.",
    "not_allowed_reschedule": "This appointment can't be rescheduled online.",
    "not_allowed_cancel": "This appointment can't be cancelled online.",
    "too_late_reschedule": "It's too close to the appointment to reschedule online.",
    "too_late_cancel": "It's too close to the appointment to cancel online.",
    "cap_reached": "This appointment has already been rescheduled as many times as allowed online.",
    "no_rules": "The clinic hasn't set up online changes for this provider.",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = "ok"  # a reason code (WHY's keys) when refused; stored on refused changes
    why: str = ""  # our sentence saying why
    message: str = ""  # the clinic's message from Healthie (or the fallback)

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.why, self.message) if part)


ALLOWED = Decision(allowed=True)


def _refuse(code: str, message: str | None, fallback: str) -> Decision:
    return Decision(allowed=False, code=code, why=WHY[code], message=message or fallback)


def _minutes_left(start: datetime, now: datetime) -> float:
    return (start - now) / timedelta(minutes=1)


def reschedule_decision(
    *,
    setting: AppointmentSetting | None,
    start: datetime,
    now: datetime,
    is_cancelled: bool,
    reschedule_count: int,
) -> Decision:
    """May the patient move this appointment now?"""
    message = setting.cant_reschedule_message if setting else None
    if is_cancelled:
        return _refuse("cancelled", message, FALLBACK_RESCHEDULE)
    if start <= now:
        return _refuse("past", message, FALLBACK_RESCHEDULE)
    if setting is None:
        return _refuse("no_rules", None, FALLBACK_RESCHEDULE)
    if not setting.allow_clients_to_reschedule_appt:
        return _refuse("not_allowed_reschedule", message, FALLBACK_RESCHEDULE)
    notice = setting.minimum_advance_reschedule_time or 0
    if _minutes_left(start, now) < notice:
        return _refuse("too_late_reschedule", message, FALLBACK_RESCHEDULE)
    cap = setting.patient_reschedule_count_cap
    if cap is not None and reschedule_count >= cap:
        return _refuse("cap_reached", message, FALLBACK_RESCHEDULE)
    return ALLOWED


def cancel_decision(
    *, setting: AppointmentSetting | None, start: datetime, now: datetime, is_cancelled: bool
) -> Decision:
    """May the patient cancel this appointment now?"""
    message = setting.cant_cancel_message if setting else None
    if is_cancelled:
        return _refuse("cancelled", message, FALLBACK_CANCEL)
    if start <= now:
        return _refuse("past", message, FALLBACK_CANCEL)
    if setting is None:
        return _refuse("no_rules", None, FALLBACK_CANCEL)
    if not setting.allow_clients_to_cancel_appt:
        return _refuse("not_allowed_cancel", message, FALLBACK_CANCEL)
    notice = setting.minimum_advance_cancel_time or 0
    if _minutes_left(start, now) < notice:
        return _refuse("too_late_cancel", message, FALLBACK_CANCEL)
    return ALLOWED


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


@dataclass(frozen=True)
class Rules:
    """Both decisions for one booking, as the manage page shows them."""

    reschedule: Decision
    cancel: Decision


def booking_rules(
    *, booking, setting: AppointmentSetting | None, now: datetime, healthie_count: int = 0
) -> Rules:
    """The decisions for a mirrored booking. `healthie_count` is Healthie's own
    patient_reschedule_count (reschedules made in Healthie's portal count towards the cap)."""
    cancelled = booking.status == booking.Status.CANCELLED
    return Rules(
        reschedule=reschedule_decision(
            setting=setting,
            start=booking.start,
            now=now,
            is_cancelled=cancelled,
            reschedule_count=max(booking.reschedule_count, healthie_count or 0),
        ),
        cancel=cancel_decision(
            setting=setting, start=booking.start, now=now, is_cancelled=cancelled
        ),
    )
