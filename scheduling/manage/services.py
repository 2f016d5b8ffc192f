"""Writes for the manage link: reschedule, cancel, and refreshing the mirror from Healthie.

Each service owns its transaction and follows the booking rules (booking.services):
- Nothing a patient submitted is lost: the change (a BookingChange, state pending, with the
  form's idempotency key) is committed before Healthie is called; the outcome is written after.
- One change per key: the booking row is locked (select_for_update) while a change is sent, so
  a double submit waits and then returns the first outcome; Healthie is called at most once per
  attempt, and an attempt whose answer was lost is settled by reading the appointment back,
  never by sending it again blindly.
- No slot is sold twice: the new time is held (SlotHold, unique per provider and start) and
  Healthie checks availability itself (`enforce_availability: true`).
- Healthie is the source of truth: before acting, the appointment is read from Healthie and the
  mirror updated from it (staff may have moved or cancelled it there), and the clinic's rules
  (manage.rules) are checked against that fresh state.

Logs name bookings by database id and changes by id: never patient data, never the manage token.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.errors import (
    ContractError,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
    VendorError,
)
from integrations.healthie.types import Appointment
from scheduling.availability import services as availability_services
from scheduling.booking import services as booking_services
from scheduling.common.upstream import UpstreamUnavailable, healthie
from scheduling.manage import rules, selectors
from scheduling.models import Booking, BookingChange, SlotHold
from scheduling.provisioning import services as provisioning_services

logger = logging.getLogger(__name__)


Status = Booking.Status


Kind = BookingChange.Kind


By = BookingChange.By


State = BookingChange.State


CANCELLED_PM_STATUS = "Cancelled"


NO_SHOW_PM_STATUS = "No-Show"  # Healthie's pm_status for a patient who did not come


# Healthie pm_status values after which the appointment no longer takes place. "No-Show" is not
# here: the time has passed, and the rules already forbid changing a past appointment.
GONE_PM_STATUSES = {"cancelled": "cancelled_in_healthie", "re-scheduled": "replaced_in_healthie"}


class ChangeMismatch(Exception):
    """The form does not fit this booking (a stale or forged form, or one for another slot)."""


@dataclass(frozen=True)
class ChangeOutcome:
    booking: Booking
    change: BookingChange
    # Set when the clinic's rules refused the change (change.state rejected, reason = its code).
    decision: rules.Decision | None = None

    @property
    def done(self) -> bool:
        return self.change.state == State.DONE

    @property
    def slot_taken(self) -> bool:
        return self.change.state == State.REJECTED and self.change.reason == "slot_taken"


@dataclass(frozen=True)
class Refreshed:
    booking: Booking
    appointment: Appointment | None  # Healthie's appointment (None: gone, or nothing to read)
    # What this refresh found changed in Healthie (by "healthie") or settled of our own changes.
    changes: list[BookingChange] = field(default_factory=list)


def provisioning_follow(*, booking_id: int, change: str) -> None:
    """Make the booking's video room, invite and exams follow a committed change:
    "rescheduled", "cancelled" or "restored" (staff took a cancellation back in Healthie).
    Only enqueues (it runs in the patient's request)."""
    logger.info("booking %s %s: provisioning follows", booking_id, change)
    provisioning_services.provisioning_follow(booking_id=booking_id)


def _follow_on_commit(booking: Booking, change: str) -> None:
    booking_id = booking.pk
    transaction.on_commit(lambda: provisioning_follow(booking_id=booking_id, change=change))


def _invalidate_on_commit(provider_id: str) -> None:
    transaction.on_commit(
        lambda: availability_services.availability_invalidate(provider_ids=[provider_id])
    )


def _finish(change: BookingChange, state: str, reason: str) -> None:
    change.state, change.reason = state, reason
    if state == State.DONE:
        change.done_at = timezone.now()
    change.save()
    logger.info(
        "booking change %s (%s by %s): %s (%s)", change.pk, change.kind, change.by, state, reason
    )


def _apply_move(booking: Booking, change: BookingChange, new_start: datetime, reason: str):
    """The appointment now starts at `new_start`: mirror it, free the old time, follow."""
    length = booking.duration
    booking.start, booking.end = new_start, new_start + length
    if change.patient_timezone:
        booking.patient_timezone = change.patient_timezone
    if change.by == By.PATIENT:
        booking.reschedule_count += 1
    booking.sequence += 1
    booking.save()
    _finish(change, State.DONE, reason)
    # Our booking now holds that time (held_slots counts confirmed bookings): drop the hold.
    SlotHold.objects.filter(provider_id=booking.provider_id, start=new_start).delete()
    _invalidate_on_commit(booking.provider_id)
    _follow_on_commit(booking, "rescheduled")


def _apply_cancel(booking: Booking, change: BookingChange, reason: str) -> None:
    booking.cancelled_at = timezone.now()
    booking.sequence += 1
    booking.healthie_pm_status = booking.healthie_pm_status or CANCELLED_PM_STATUS
    booking_services.record_status(booking, Status.CANCELLED, reason)
    _finish(change, State.DONE, reason)
    _invalidate_on_commit(booking.provider_id)
    _follow_on_commit(booking, "cancelled")


def _apply_restore(booking: Booking, change: BookingChange, reason: str) -> None:
    booking.cancelled_at = None
    booking.sequence += 1
    booking_services.record_status(booking, Status.CONFIRMED, reason)
    _finish(change, State.DONE, reason)
    _invalidate_on_commit(booking.provider_id)
    _follow_on_commit(booking, "restored")


def _is_no_show(appointment: Appointment) -> bool:
    return (appointment.pm_status or "").strip().lower() == NO_SHOW_PM_STATUS.lower()


def _gone_reason(appointment: Appointment | None) -> str:
    """Why Healthie's appointment no longer takes place ("" when it does)."""
    if appointment is None or appointment.deleted_at is not None:
        return "deleted_in_healthie"
    return GONE_PM_STATUSES.get((appointment.pm_status or "").strip().lower(), "")


def _read(booking: Booking) -> Appointment | None:
    """Healthie's appointment for this booking, deleted ones included. Raises TransientError."""
    return healthie().appointment(booking.healthie_appointment_id, include_deleted=True)


def _settle(booking: Booking, change: BookingChange, appointment: Appointment | None) -> bool:
    """An in-flight change of ours whose answer we never got: did it happen? Decided from
    Healthie's appointment as read now. True when it turned out done."""
    if change.kind == Kind.RESCHEDULE:
        if appointment is not None and appointment.start == change.new_start:
            _apply_move(booking, change, change.new_start, "settled_found")
            return True
    elif change.kind == Kind.CANCEL and _gone_reason(appointment):
        booking.healthie_pm_status = (appointment.pm_status if appointment else "") or ""
        _apply_cancel(booking, change, "settled_found")
        return True
    elif change.kind == Kind.NO_SHOW and appointment is not None and _is_no_show(appointment):
        booking.healthie_pm_status = appointment.pm_status or ""
        _finish(change, State.DONE, "settled_found")
        return True
    # Not there: it did not happen. The patient may try again (a retry looks first again), and
    # a reschedule keeps its hold meanwhile, so the patient does not lose the new time.
    _finish(change, State.FAILED, "not_changed")
    return False


def _sync(booking: Booking, appointment: Appointment | None) -> list[BookingChange]:
    """Bring the mirror in line with Healthie's appointment; each difference is one change by
    "healthie" (staff moved, cancelled, deleted or restored it there)."""
    found: list[BookingChange] = []
    now = timezone.now()
    # First our own changes that were sent but never answered: they explain a difference.
    for change in booking.changes.filter(state__in=[State.PENDING, State.UNKNOWN], attempts__gt=0):
        _settle(booking, change, appointment)
        found.append(change)
    gone = _gone_reason(appointment)
    if gone and booking.status != Status.CANCELLED:
        change = BookingChange.objects.create(
            booking=booking, kind=Kind.CANCEL, by=By.HEALTHIE, old_start=booking.start
        )
        booking.healthie_pm_status = (appointment.pm_status if appointment else "") or ""
        _apply_cancel(booking, change, gone)
        found.append(change)
    elif not gone and booking.status == Status.CANCELLED:
        change = BookingChange.objects.create(
            booking=booking, kind=Kind.RESTORE, by=By.HEALTHIE, old_start=booking.start
        )
        _apply_restore(booking, change, "restored_in_healthie")
        found.append(change)
    if appointment is not None and appointment.start != booking.start:
        change = BookingChange.objects.create(
            booking=booking,
            kind=Kind.RESCHEDULE,
            by=By.HEALTHIE,
            old_start=booking.start,
            new_start=appointment.start,
        )
        if appointment.end and appointment.end > appointment.start:
            length = appointment.end - appointment.start
            booking.length_minutes = int(length / timedelta(minutes=1))
        _apply_move(booking, change, appointment.start, "moved_in_healthie")
        found.append(change)
    if appointment is not None:
        booking.healthie_pm_status = appointment.pm_status or ""
    booking.healthie_checked_at = now
    booking.save()
    return found


def booking_refresh_from_healthie(*, booking: Booking) -> Refreshed:
    """Read the appointment from Healthie and bring the mirror in line with it.

    A booking whose checkout outcome is unknown is settled first (booking.services). Changes
    of ours that were sent but never answered are settled from what Healthie shows; any other
    difference is recorded as a change by "healthie" (staff moved, cancelled, deleted or
    restored it there) and raises the calendar SEQUENCE. Raises UpstreamUnavailable
    when Healthie cannot answer (nothing is written then).
    """
    if booking.status in (Status.UNKNOWN, Status.PENDING):
        booking = booking_services.booking_settle(booking_id=booking.pk)
    if booking.status not in (Status.CONFIRMED, Status.CANCELLED) or not (
        booking.healthie_appointment_id
    ):
        return Refreshed(booking, None)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        try:
            appointment = _read(booking)
        except VendorError as exc:  # unreachable, or an answer we cannot read: nothing written
            raise UpstreamUnavailable(str(exc)) from exc
        found = _sync(booking, appointment)
    return Refreshed(booking, appointment, found)


def _record(
    *, booking: Booking, idempotency_key: str, kind: str, by: str, **fields
) -> tuple[BookingChange, bool]:
    """The change this key made, or a new one (committed before Healthie hears of it)."""
    try:
        with transaction.atomic():
            change = BookingChange.objects.create(
                booking=booking,
                kind=kind,
                by=by,
                idempotency_key=idempotency_key,
                old_start=booking.start,
                **fields,
            )
        return change, True
    except IntegrityError:
        change = BookingChange.objects.get(idempotency_key=idempotency_key)
        if change.booking_id != booking.pk or change.kind != kind:
            raise ChangeMismatch from None
        if kind == Kind.RESCHEDULE and change.new_start != fields.get("new_start"):
            raise ChangeMismatch from None
        return change, False


def _before_sending(booking: Booking, change: BookingChange, attempts_seen: int):
    """Under the booking lock: (the outcome to return now, None) when the change is not to be
    sent (done, answered meanwhile, settled from Healthie, or Healthie unreachable), else
    (None, (the provider's setting, Healthie's patient_reschedule_count)) from a fresh read,
    which also settles an earlier, unanswered attempt of this change."""
    change.refresh_from_db()
    if change.state == State.DONE or change.attempts > attempts_seen:
        return ChangeOutcome(booking, change), None
    fresh = _fresh_state(booking, change)
    if fresh is None or fresh == "done":
        return ChangeOutcome(booking, change), None
    return None, fresh


def _fresh_state(booking: Booking, change: BookingChange):
    """Under the booking lock: read Healthie's appointment (the mirror synced to it, which also
    settles an earlier unanswered attempt of this change) and the provider's rules.

    Returns (setting, Healthie's patient_reschedule_count); "done" when an earlier attempt of
    this change turns out to have landed; None when Healthie could not answer (the change is
    failed, unless an earlier attempt of it may have landed: then it stays unknown).
    """
    try:
        appointment = _read(booking)
        setting = selectors.provider_setting(provider_id=booking.provider_id, fresh=True)
    except (VendorError, UpstreamUnavailable):
        if not (change.in_flight and change.attempts):
            _finish(change, State.FAILED, "healthie_unavailable")
        return None
    _sync(booking, appointment)
    change.refresh_from_db()
    if change.state == State.DONE:
        return "done"
    count = appointment.patient_reschedule_count if appointment else 0
    return setting, count or 0


def _rules(booking: Booking, fresh: tuple) -> rules.Rules:
    """The clinic's rules on Healthie's fresh state: (setting, patient_reschedule_count)."""
    setting, healthie_count = fresh
    return rules.booking_rules(
        booking=booking, setting=setting, now=timezone.now(), healthie_count=healthie_count
    )


def _patient_rules_apply(by: str, decision: rules.Decision) -> rules.Decision:
    """Patients are held to the clinic's rules; staff only to "not cancelled"."""
    if by == By.PATIENT or decision.code == "cancelled":
        return decision
    return rules.ALLOWED


def reschedule_hold(
    *, booking: Booking, day: date, tz: str, start: datetime, replaces: str | None = None
) -> SlotHold:
    """Hold a new time for the booking, if it is one of that day's open times (the booking's
    own slot excepted). Raises SlotTaken when it is not (or no longer) free, and
    UpstreamUnavailable when Healthie cannot say."""
    starts = selectors.reschedule_open_times(
        booking=booking, day=day, tz=tz, keep_hold_token=replaces
    )
    if start not in starts:
        raise availability_services.SlotTaken
    slot = availability_services.Slot.of(booking, start=start, provider_choice=booking.provider_id)
    return availability_services.hold_place(slot, replaces=replaces)


def _send(booking: Booking, change: BookingChange, call) -> tuple[Appointment | None, bool]:
    """Under the booking lock: send the change to Healthie once (`call`, one attempt counted).
    Returns Healthie's appointment when it answered, else None with the change finished as the
    failure says; and whether the answer was lost (the change must then be read back, never
    sent again blindly)."""
    change.attempts += 1
    change.state, change.reason = State.PENDING, "sent"
    change.old_start = booking.start  # as Healthie has it now
    change.save()
    try:
        return call(), False
    except (OutcomeUnknownError, ContractError) as exc:
        _finish(change, State.UNKNOWN, booking_services.failure_reason(exc))
        return None, True
    except RejectedError as exc:
        if change.kind == Kind.RESCHEDULE and booking_services.is_slot_taken(exc):
            _finish(change, State.REJECTED, "slot_taken")
            SlotHold.objects.filter(token=change.hold_token).delete()
            _invalidate_on_commit(booking.provider_id)  # our cached times were stale
        else:  # our key, API version or Healthie's own rules: staff must look
            _finish(change, State.FAILED, "healthie_refused")
    except TransientError as exc:
        _finish(change, State.FAILED, booking_services.failure_reason(exc))
    return None, False


def booking_reschedule(
    *,
    booking: Booking,
    idempotency_key: str,
    new_start: datetime,
    hold_token: str,
    patient_timezone: str,
    by: str = By.PATIENT,
    staff_user=None,
    enforce_availability: bool = True,
) -> ChangeOutcome:
    """Move the appointment to `new_start` (same provider, type and contact type), once per key.

    Staff (`by` staff, `staff_user` who) may move a booking made in Healthie (no booking page:
    no local hold, Healthie's own check still applies) and may override Healthie's availability
    check (`enforce_availability=False`); patients never.

    The change's state says what happened: done (the mirror and the calendar SEQUENCE follow);
    rejected ("slot_taken": the new time went to someone else, or a rule's code with
    `outcome.decision`); failed (Healthie unavailable or refusing; nothing changed; the same form
    may be sent again) or unknown (the answer was lost and Healthie could not be asked yet; the
    manage page or a resubmit settles it by reading the appointment, never by resending).
    """
    if not booking.healthie_appointment_id or (by != By.STAFF and booking.page_id is None):
        raise ChangeMismatch
    if by != By.STAFF and not enforce_availability:
        raise ValueError("only staff may override Healthie's availability check")
    change, created = _record(
        booking=booking,
        idempotency_key=idempotency_key,
        kind=Kind.RESCHEDULE,
        by=by,
        new_start=new_start,
        patient_timezone=patient_timezone,
        hold_token=hold_token,
        staff_user=staff_user,
    )
    attempts_seen = change.attempts
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        settled, fresh = _before_sending(booking, change, attempts_seen)
        if settled:
            return settled
        decision = _patient_rules_apply(by, _rules(booking, fresh).reschedule)
        if not decision.allowed or new_start == booking.start:
            _finish(change, State.REJECTED, decision.code if not decision.allowed else "same_time")
            SlotHold.objects.filter(token=change.hold_token).exclude(token="").delete()
            return ChangeOutcome(booking, change, decision if not decision.allowed else None)
        try:
            if booking.page_id is not None:  # a booking made in Healthie has no page to hold on
                slot = availability_services.Slot.of(
                    booking, start=change.new_start, provider_choice=booking.provider_id
                )
                availability_services.hold_ensure(slot, token=change.hold_token)
        except availability_services.SlotTaken:
            _finish(change, State.REJECTED, "slot_taken")
            return ChangeOutcome(booking, change)
        appointment, lost_answer = _send(
            booking,
            change,
            lambda: healthie().update_appointment(
                id=booking.healthie_appointment_id,
                start=new_start,
                timezone=patient_timezone,
                enforce_availability=enforce_availability,
            ),
        )
        if appointment is not None:
            _apply_move(booking, change, appointment.start, "updated")
            booking.healthie_pm_status = appointment.pm_status or ""
            booking.healthie_checked_at = timezone.now()
            booking.save()
    if lost_answer:
        change = booking_change_settle(change_id=change.pk)
        booking = Booking.objects.get(pk=booking.pk)
    return ChangeOutcome(booking, change)


def booking_cancel(
    *,
    booking: Booking,
    idempotency_key: str,
    note: str = "",
    by: str = By.PATIENT,
    staff_user=None,
) -> ChangeOutcome:
    """Cancel the appointment in Healthie (pm_status "Cancelled": it stays visible there,
    nothing is deleted), once per key. `note` is the patient's optional reason (kept on the
    change, never logged). States as for booking_reschedule."""
    if not booking.healthie_appointment_id:
        raise ChangeMismatch
    change, created = _record(
        booking=booking,
        idempotency_key=idempotency_key,
        kind=Kind.CANCEL,
        by=by,
        note=note[:1000],
        staff_user=staff_user,
    )
    if not created and note and not change.note:
        BookingChange.objects.filter(pk=change.pk).update(note=note[:1000])
    attempts_seen = change.attempts
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        settled, fresh = _before_sending(booking, change, attempts_seen)
        if settled:
            return settled
        decision = _patient_rules_apply(by, _rules(booking, fresh).cancel)
        if not decision.allowed:
            _finish(change, State.REJECTED, decision.code)
            return ChangeOutcome(booking, change, decision)
        appointment, lost_answer = _send(
            booking, change, lambda: healthie().cancel_appointment(booking.healthie_appointment_id)
        )
        if appointment is not None:
            booking.healthie_pm_status = appointment.pm_status or CANCELLED_PM_STATUS
            booking.healthie_checked_at = timezone.now()
            _apply_cancel(booking, change, "updated")
    if lost_answer:
        change = booking_change_settle(change_id=change.pk)
        booking = Booking.objects.get(pk=booking.pk)
    return ChangeOutcome(booking, change)


def booking_mark_no_show(*, booking: Booking, idempotency_key: str, staff_user) -> ChangeOutcome:
    """Staff: the patient did not come. Healthie's pm_status becomes "No-Show" (the appointment
    stays, nothing is deleted or provisioned), once per key; a change by staff is recorded.
    Refused ("not_started") before the appointment's start, and for a cancelled booking.
    States as for booking_reschedule."""
    if not booking.healthie_appointment_id:
        raise ChangeMismatch
    change, created = _record(
        booking=booking,
        idempotency_key=idempotency_key,
        kind=Kind.NO_SHOW,
        by=By.STAFF,
        staff_user=staff_user,
    )
    attempts_seen = change.attempts
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        settled, fresh = _before_sending(booking, change, attempts_seen)
        if settled:
            return settled
        if booking.status == Status.CANCELLED or booking.start > timezone.now():
            reason = "cancelled" if booking.status == Status.CANCELLED else "not_started"
            _finish(change, State.REJECTED, reason)
            return ChangeOutcome(booking, change)
        appointment, lost_answer = _send(
            booking,
            change,
            lambda: healthie().update_appointment(
                id=booking.healthie_appointment_id, pm_status=NO_SHOW_PM_STATUS
            ),
        )
        if appointment is not None:
            booking.healthie_pm_status = appointment.pm_status or NO_SHOW_PM_STATUS
            booking.healthie_checked_at = timezone.now()
            booking.sequence += 1
            booking.save()
            _finish(change, State.DONE, "updated")
            _invalidate_on_commit(booking.provider_id)
    if lost_answer:
        change = booking_change_settle(change_id=change.pk)
        booking = Booking.objects.get(pk=booking.pk)
    return ChangeOutcome(booking, change)


def booking_change_settle(*, change_id: int) -> BookingChange:
    """Find out whether a change whose answer was lost happened, by reading the appointment.

    Never sends it again. Found: done. Not there: failed ("not_changed"; the patient may try
    again). Healthie unreachable: stays unknown (the manage page, or the patient's next submit,
    settles it later). Safe to run twice or concurrently: the booking row is locked and only an
    in-flight change is touched.
    """
    with transaction.atomic():
        change = BookingChange.objects.get(pk=change_id)
        booking = Booking.objects.select_for_update().get(pk=change.booking_id)
        change.refresh_from_db()
        if not change.in_flight:
            return change
        try:
            appointment = _read(booking)
        except VendorError:
            logger.info("booking change %s: settle read failed, stays %s", change.pk, change.state)
            return change
        _sync(booking, appointment)  # settles this change first, then any other difference
        change.refresh_from_db()
    return change
