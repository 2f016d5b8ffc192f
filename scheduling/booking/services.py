"""Booking writes: a patient's checkout and its settlement. Each service owns its transaction.

Two storage rules (design.md):
- Nothing a patient submitted is lost: the booking row (status pending, with every detail) is
  committed before Healthie is called, and the outcome is written after.
- No slot is sold twice: a hold row unique per (provider, start) (availability.services), one
  idempotency key per checkout (unique), the booking row locked (select_for_update) while its
  checkout is in flight, and Healthie's own availability check in completeCheckout as the last
  line.

Logs name bookings by database id and status only: never patient data, never the reference.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from integrations.errors import (
    ContractError,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
    VendorError,
)
from scheduling.availability import selectors as availability_selectors
from scheduling.availability import services as availability_services
from scheduling.common import conf
from scheduling.common.queue import enqueue
from scheduling.common.upstream import healthie
from scheduling.models import Booking, BookingPage, BookingStatusChange, SlotHold
from scheduling.provisioning import services as provisioning_services

logger = logging.getLogger(__name__)


Status = Booking.Status
SETTLE_TASK = "scheduling.booking.tasks.settle_booking"

# Healthie's completeCheckout field names -> the patient's details (the form's names too).
VENDOR_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone_number": "phone",
}


class NotOffered(Exception):
    """The page does not offer this type, contact type or provider (a stale or forged request)."""


@dataclass(frozen=True)
class ConfirmOutcome:
    booking: Booking
    # Healthie refused some details (status rejected, reason "details_refused"): form field ->
    # Healthie's message, to show next to the field.
    field_errors: dict[str, str]


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: str | None = None  # ISO date; asked only when an exam is ordered
    patient_state: str = ""
    gender: str = ""  # "male" or "female"; asked only for an HCW@Home video visit


def record_status(booking: Booking, to: str, reason: str = "") -> None:
    """Inside the caller's transaction: new status, one history row."""
    before = booking.status
    booking.status, booking.status_reason = to, reason
    booking.save()
    BookingStatusChange.objects.create(
        booking=booking, from_status=before, to_status=to, reason=reason
    )
    # The database id, not the reference: the reference opens the confirmation page.
    logger.info("booking %s: %s -> %s (%s)", booking.pk, before, to, reason or "-")


def booking_confirm(
    *,
    page: BookingPage,
    idempotency_key: str,
    hold_token: str,
    provider_choice: str,
    provider_id: str,
    appointment_type_id: str,
    contact_type: str,
    start: datetime,
    patient_timezone: str,
    patient: PatientDetails,
) -> ConfirmOutcome:
    """Book the held slot in Healthie, once per idempotency key.

    The booking's status says what happened: confirmed; rejected ("slot_taken", or
    "details_refused" with `field_errors`); failed (Healthie unavailable or refusing us, nothing
    booked; the patient may try again with the same key) or unknown (Healthie's answer was lost
    and could not be looked up yet; a Celery task settles it).
    """
    appointment_type = availability_selectors.appointment_type_for_page(
        page=page, appointment_type_id=appointment_type_id
    )
    if (
        appointment_type is None
        or contact_type not in appointment_type.contact_types
        or provider_id not in page.provider_set
    ):
        raise NotOffered
    provider = availability_selectors.provider_get(provider_id=provider_id)
    length = appointment_type.length_minutes or 30

    # 1. Record the attempt (or find the one this key already made) before Healthie hears of it.
    fields = {
        "page": page,
        "provider_id": provider_id,
        "provider_name": provider.name if provider else "",
        "provider_timezone": (provider.timezone if provider else "") or "",
        "appointment_type_id": appointment_type.id,
        "appointment_type_name": appointment_type.name,
        "length_minutes": length,
        "contact_type": contact_type,
        "start": start,
        "end": start + timedelta(minutes=length),
        "patient_timezone": patient_timezone,
        "hold_token": hold_token,
        **patient.__dict__,
    }
    try:
        with transaction.atomic():
            booking = Booking.objects.create(idempotency_key=idempotency_key, **fields)
            BookingStatusChange.objects.create(
                booking=booking, to_status=Status.PENDING, reason="submitted"
            )
        created = True
    except IntegrityError:
        booking = Booking.objects.get(idempotency_key=idempotency_key)
        created = False
    attempts_seen = booking.checkout_attempts
    if booking.start != start or booking.provider_id != provider_id:
        raise NotOffered  # a key is minted per details form, i.e. per slot

    # 2. Send, under the row lock: a double click waits here and then returns the first result.
    lost_answer, field_errors = False, {}
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status in (Status.CONFIRMED, Status.CANCELLED):
            # What this key booked stands, cancelled or not: one key books at most once, ever.
            return ConfirmOutcome(booking, {})
        if booking.checkout_attempts > attempts_seen:
            # Another submit with this key ran while we waited: its outcome stands.
            return ConfirmOutcome(booking, {})
        if booking.status == Status.UNKNOWN or (booking.status == Status.PENDING and not created):
            # An earlier request may have reached Healthie: look before sending again.
            try:
                found = _lookup(booking)
            except VendorError:  # unreachable or unreadable: still unknown, try again later
                return ConfirmOutcome(booking, {})
            if found is not None:
                _confirm(booking, found, reason="found_on_retry")
                return ConfirmOutcome(booking, {})
        if not created:  # a retry after a failure or refusal: the latest details win
            for name, value in fields.items():
                setattr(booking, name, value)
        try:
            slot = availability_services.Slot.of(
                booking, start=booking.start, provider_choice=provider_choice
            )
            availability_services.hold_ensure(slot, token=hold_token)
        except availability_services.SlotTaken:
            record_status(booking, Status.REJECTED, "slot_taken")
            return ConfirmOutcome(booking, {})
        booking.checkout_attempts += 1
        if booking.status != Status.PENDING:
            record_status(booking, Status.PENDING, "retry")
        else:
            booking.save()
        try:
            appointment = healthie().complete_checkout(
                appointment_type_id=booking.appointment_type_id,
                contact_type=booking.contact_type,
                start=booking.start,
                timezone=booking.patient_timezone,
                provider_id=booking.provider_id,
                first_name=booking.first_name,
                last_name=booking.last_name,
                email=booking.email,
                phone_number=booking.phone,
                public=True,  # Healthie's self-booking path: the patient books, not our staff key
            )
        except (OutcomeUnknownError, ContractError) as exc:
            # The write may have happened: never send it again blindly, look it up.
            record_status(booking, Status.UNKNOWN, failure_reason(exc))
            lost_answer = True
        except RejectedError as exc:
            field_errors = vendor_field_messages(exc)
            if field_errors:
                record_status(booking, Status.REJECTED, "details_refused")
            elif is_slot_taken(exc):
                record_status(booking, Status.REJECTED, "slot_taken")
                SlotHold.objects.filter(token=hold_token).delete()
                _invalidate_on_commit(booking.provider_id)  # our cached times were stale
            else:  # our key, API version or page configuration: staff must act
                record_status(booking, Status.FAILED, "healthie_refused")
        except TransientError as exc:
            record_status(booking, Status.FAILED, failure_reason(exc))
        else:
            _confirm(booking, appointment, reason="checkout")
    if lost_answer:
        booking = booking_settle(booking_id=booking.pk)
        if booking.status == Status.UNKNOWN:
            _enqueue_settle(booking.pk)
    return ConfirmOutcome(booking, field_errors)


def booking_settle(*, booking_id: int) -> Booking:
    """Find out whether an unknown booking happened, by looking it up in Healthie.

    Never books again. Found: confirmed. Not there: failed ("not_booked"; the patient may retry,
    and a retry looks up once more before sending). Healthie unreachable: stays unknown (the
    Celery task retries). Safe to run twice or concurrently: the row is locked and only an
    unknown (or abandoned pending) booking is touched.
    """
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status not in (Status.UNKNOWN, Status.PENDING):
            return booking
        try:
            found = _lookup(booking)
        except VendorError:  # unreachable or unreadable: stays as it is
            logger.info("booking id %s: settle lookup failed, stays %s", booking.pk, booking.status)
            return booking
        if found is not None:
            _confirm(booking, found, reason="settled_found")
        else:
            record_status(booking, Status.FAILED, "not_booked")
            # Keep the hold: the patient is told to try again and should not lose the slot.
    return booking


def _lookup(booking: Booking):
    """Healthie's appointment for this booking, matched exactly: same provider, type and start,
    for a patient with this e-mail, across all filters (a start already past, a cancelled one:
    the booking happened all the same). An appointment another booking already mirrors is not
    this one. None only when Healthie has no such appointment."""
    client = healthie()
    appointments = client.appointments(
        provider_id=booking.provider_id,
        start=booking.start - timedelta(minutes=1),
        end=booking.start + timedelta(minutes=1),
        filter="all",
        with_all_statuses=True,
    )
    candidates = [
        a
        for a in appointments
        if a.start == booking.start
        and a.provider_id in (None, booking.provider_id)
        and a.appointment_type_id == booking.appointment_type_id
        and a.deleted_at is None
    ]
    if not candidates:
        return None
    patient_ids = {p.id for p in client.find_patients(email=booking.email)}
    claimed = set(
        Booking.objects.filter(healthie_appointment_id__in=[a.id for a in candidates])
        .exclude(pk=booking.pk)
        .values_list("healthie_appointment_id", flat=True)
    )
    matches = [a for a in candidates if a.patient_id in patient_ids and a.id not in claimed]
    return min(matches, key=lambda a: (len(a.id), a.id)) if matches else None


def _confirm(booking: Booking, appointment, *, reason: str) -> None:
    booking.healthie_appointment_id = appointment.id
    booking.healthie_patient_id = appointment.patient_id or ""
    record_status(booking, Status.CONFIRMED, reason)
    SlotHold.objects.filter(provider_id=booking.provider_id, start=booking.start).delete()
    _invalidate_on_commit(booking.provider_id)
    booking_id = booking.id
    transaction.on_commit(lambda: provisioning_services.provisioning_start(booking_id=booking_id))


def _invalidate_on_commit(provider_id: str) -> None:
    transaction.on_commit(
        lambda: availability_services.availability_invalidate(provider_ids=[provider_id])
    )


def failure_reason(exc: Exception) -> str:
    if isinstance(exc, OutcomeUnknownError):
        return "answer_lost"
    if isinstance(exc, ContractError):
        return "unreadable_answer"
    return "healthie_unavailable"


# completeCheckout fields whose refusal means "this time cannot be booked", not a bad detail.
SLOT_FIELDS = frozenset({"date", "datetime", "start", None})


def is_slot_taken(exc: RejectedError) -> bool:
    return exc.code is None and any(m.field in SLOT_FIELDS for m in exc.messages)


def vendor_field_messages(exc: RejectedError) -> dict[str, str]:
    """Healthie's refusals of patient details, keyed by our form's field names."""
    return {VENDOR_FIELDS[m.field]: m.message for m in exc.messages if m.field in VENDOR_FIELDS}


def _enqueue_settle(booking_id: int) -> None:
    def send() -> None:
        try:
            enqueue(SETTLE_TASK, booking_id, countdown=conf.settle_retry_seconds())
        except Exception:
            # The broker is down: the periodic sweep (settle_unknown_bookings) picks it up.
            logger.exception("could not enqueue settle for booking id %s", booking_id)

    transaction.on_commit(send)
