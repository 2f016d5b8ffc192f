"""The clinic's rules for patients changing an appointment, from Healthie's AppointmentSetting.

This app acts with the clinic's staff key, so Healthie does not apply its patient rules to our
calls: we apply them here (vendor-facts: "Reschedule / cancel"). The decision functions are pure
(no I/O); `selectors.provider_setting` reads the provider's setting from Healthie, briefly cached
for pages and fresh for the services that act on the answer.

When an action is refused, the patient sees the clinic's own words from Healthie
(`cant_reschedule_message` / `cant_cancel_message`; a fallback when the clinic left it empty),
after a short sentence saying why (too close to the start, already rescheduled, past...).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from integrations.healthie.types import AppointmentSetting

FALLBACK_RESCHEDULE = _("Please contact the clinic to change this appointment.")
FALLBACK_CANCEL = _("Please contact the clinic to cancel this appointment.")

# Why an action is refused, as the patient reads it (before the clinic's message), in the
# language of the page that shows it (lazy).
WHY = {
    "cancelled": _("This appointment has been cancelled."),
    "past": _("This appointment's time has passed."),
    "not_allowed_reschedule": _("This appointment can't be rescheduled online."),
    "not_allowed_cancel": _("This appointment can't be cancelled online."),
    "too_late_reschedule": _("It's too close to the appointment to reschedule online."),
    "too_late_cancel": _("It's too close to the appointment to cancel online."),
    "cap_reached": _(
        "This appointment has already been rescheduled as many times as allowed online."
    ),
    "no_rules": _("The clinic hasn't set up online changes for this provider."),
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


def _refusal(
    action: str, *, setting: AppointmentSetting | None, start: datetime, now: datetime,
    is_cancelled: bool,
) -> Decision | None:  # fmt: skip
    """What refuses either action ("reschedule" or "cancel"); None when nothing does."""
    reschedule = action == "reschedule"
    fallback = FALLBACK_RESCHEDULE if reschedule else FALLBACK_CANCEL
    message = None
    if setting is not None:
        message = setting.cant_reschedule_message if reschedule else setting.cant_cancel_message
    if is_cancelled:
        return _refuse("cancelled", message, fallback)
    if start <= now:
        return _refuse("past", message, fallback)
    if setting is None:
        return _refuse("no_rules", None, fallback)
    if reschedule:
        allowed = setting.allow_clients_to_reschedule_appt
        notice = setting.minimum_advance_reschedule_time
    else:
        allowed, notice = setting.allow_clients_to_cancel_appt, setting.minimum_advance_cancel_time
    if not allowed:
        return _refuse(f"not_allowed_{action}", message, fallback)
    if _minutes_left(start, now) < (notice or 0):
        return _refuse(f"too_late_{action}", message, fallback)
    return None


def reschedule_decision(
    *,
    setting: AppointmentSetting | None,
    start: datetime,
    now: datetime,
    is_cancelled: bool,
    reschedule_count: int,
) -> Decision:
    """May the patient move this appointment now?"""
    refusal = _refusal(
        "reschedule", setting=setting, start=start, now=now, is_cancelled=is_cancelled
    )
    if refusal:
        return refusal
    cap = setting.patient_reschedule_count_cap
    if cap is not None and reschedule_count >= cap:
        return _refuse("cap_reached", setting.cant_reschedule_message, FALLBACK_RESCHEDULE)
    return ALLOWED


def cancel_decision(
    *, setting: AppointmentSetting | None, start: datetime, now: datetime, is_cancelled: bool
) -> Decision:
    """May the patient cancel this appointment now?"""
    refusal = _refusal("cancel", setting=setting, start=start, now=now, is_cancelled=is_cancelled)
    return refusal or ALLOWED


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
