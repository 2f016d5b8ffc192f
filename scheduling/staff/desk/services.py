"""The front desk's writes, each through the services a patient's change goes through
(manage.services, provisioning.services), so provisioning follows and a BookingChange by
staff, naming the staff user, is recorded. Logs name users and bookings by id only."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.admin.models import CHANGE, LogEntry

from scheduling.availability import services as availability_services
from scheduling.manage import selectors as manage_selectors
from scheduling.manage import services as manage_services
from scheduling.models import Booking, BookingChange, Provision
from scheduling.provisioning import services as provisioning_services

logger = logging.getLogger(__name__)

By = BookingChange.By


def staff_reschedule(
    *, booking: Booking, start: datetime, tz: str, override: bool, key: str, user
) -> manage_services.ChangeOutcome:
    """Move the appointment to `start`. Without `override` the time must be one of the open
    times (held for this change, as for a patient); with it Healthie's availability check is
    skipped, though a time another patient holds here is still refused. Raises SlotTaken."""
    earlier = BookingChange.objects.filter(idempotency_key=key).first()
    # A double submit finds the first one's change: its hold, never a second one.
    hold_token = earlier.hold_token if earlier is not None else _hold(booking, start, tz, override)
    logger.info("staff user %s moves booking %s (override: %s)", user.pk, booking.pk, override)
    return manage_services.booking_reschedule(
        booking=booking,
        idempotency_key=key,
        new_start=start,
        hold_token=hold_token,
        patient_timezone=booking.patient_timezone or tz,
        by=By.STAFF,
        staff_user=user,
        enforce_availability=not override,
    )


def _hold(booking: Booking, start: datetime, tz: str, override: bool) -> str:
    day = start.astimezone(ZoneInfo(tz)).date()
    if booking.page_id is None:  # made in Healthie: no page to hold on, Healthie checks
        if not override and start not in manage_selectors.reschedule_open_times(
            booking=booking, day=day, tz=tz
        ):
            raise availability_services.SlotTaken
        return ""
    if override:
        slot = availability_services.Slot.of(booking, start=start, provider_choice="staff")
        return availability_services.hold_place(slot).token
    return manage_services.reschedule_hold(booking=booking, day=day, tz=tz, start=start).token


def staff_cancel(*, booking: Booking, key: str, user) -> manage_services.ChangeOutcome:
    logger.info("staff user %s cancels booking %s", user.pk, booking.pk)
    return manage_services.booking_cancel(
        booking=booking, idempotency_key=key, by=By.STAFF, staff_user=user
    )


def staff_no_show(*, booking: Booking, key: str, user) -> manage_services.ChangeOutcome:
    logger.info("staff user %s marks booking %s no-show", user.pk, booking.pk)
    return manage_services.booking_mark_no_show(
        booking=booking, idempotency_key=key, staff_user=user
    )


def staff_retry(*, provision: Provision, user) -> None:
    """Try a failed part again (its task is queued after commit). Who asked is kept in Django's
    action log (shown in /admin/ with the part): a retry changes no appointment, so it is no
    BookingChange."""
    logger.info("staff user %s retries provision %s", user.pk, provision.pk)
    provisioning_services.provision_retry(provision_id=provision.pk)
    LogEntry.objects.log_actions(
        user.pk,
        [provision],
        CHANGE,
        change_message=f"Retried {provision.get_part_display()} from the staff console.",
        single_object=True,
    )
