"""Sync writes: Healthie's changes flow into the mirror, with the same effects as a patient's
reschedule or cancel (manage.services): the mirror moves, a BookingChange by "the clinic (in
Healthie)" is recorded, the availability cache of that provider is dropped, and provisioning
follows (room moved or replaced, invite moved or recreated, exams cancelled).

Every entry point re-reads the appointment from Healthie (a webhook carries ids only) and
compares it with the mirror under the booking's row lock, so replays, out-of-order deliveries,
reconciliation and our own writes all converge to Healthie's current state:
- our own write (a checkout, reschedule, cancel, or the video link we put on the appointment)
  comes back as an event that finds nothing to change; it is recorded as an "echo";
- an appointment created in Healthie by someone else, of a type whose plan asks for it, gets a
  mirror and is provisioned.

Logs carry ids and outcomes only: never patient data.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.errors import VendorError
from integrations.healthie.client import PAGE_SIZE as HEALTHIE_PAGE_SIZE
from integrations.healthie.types import Appointment
from scheduling.availability import selectors as availability_selectors
from scheduling.availability import services as availability_services
from scheduling.booking import services as booking_services
from scheduling.common import conf
from scheduling.common.queue import enqueue
from scheduling.common.upstream import UpstreamUnavailable, healthie
from scheduling.manage import services as manage_services
from scheduling.models import (
    Booking,
    BookingChange,
    BookingStatusChange,
    HealthieEvent,
    HealthieWebhook,
    SyncStatus,
)
from scheduling.provisioning import selectors as provisioning_selectors
from scheduling.provisioning import services as provisioning_services
from scheduling.sync import payloads, selectors

logger = logging.getLogger(__name__)

Outcome = HealthieEvent.Outcome
Status = Booking.Status
EVENT_TASK = "scheduling.sync.tasks.apply_healthie_event"
# An event that finds nothing to change this soon after we wrote to the appointment ourselves
# is our own write coming back.
ECHO_WINDOW = timedelta(minutes=10)
EVENT_LOG_DAYS = timedelta(days=30)
# How long a checkout for the same time may still be on its way (its sweeper settles it after).
IN_FLIGHT_GRACE = timedelta(minutes=2)
GONE_PM_STATUSES = frozenset({"cancelled", "re-scheduled", "no-show"})
OUR_CONFIRMATIONS = ("checkout", "found_on_retry", "settled_found")
_MISSING = object()


class NotYet(Exception):
    """A checkout of ours for this time is still unsettled: the event is tried again later."""


# The events the app's webhook subscribes to (Healthie's WebhookEventType names).
WEBHOOK_EVENTS = ("APPOINTMENT_CREATED", "APPOINTMENT_UPDATED", "APPOINTMENT_DELETED")


# --------------------------------------------------------------------------------------------
# Registration


def webhook_register(*, url: str, rotate: bool = False) -> tuple[HealthieWebhook, str]:
    """Register the app's webhook with Healthie for WEBHOOK_EVENTS (or bring the registered one
    back to `url`, those events, enabled), store the secret Healthie generated, and with
    `rotate` have Healthie replace it; the previous secret keeps verifying for a grace period.
    Returns the stored row and what happened: "created", "updated", "rotated" or "unchanged".
    Raises VendorError when Healthie refuses or cannot answer (nothing is stored then)."""
    client = healthie()
    stored = HealthieWebhook.objects.order_by("id").first()
    registered = client.webhooks()
    hook = next((w for w in registered if stored and w.id == stored.healthie_id), None) or next(
        (w for w in registered if w.url == url), None
    )
    if hook is None:
        hook, what = client.create_webhook(url=url, event_types=list(WEBHOOK_EVENTS)), "created"
    elif hook.url != url or not hook.is_enabled or set(hook.event_types) != set(WEBHOOK_EVENTS):
        hook = client.update_webhook(id=hook.id, url=url, event_types=list(WEBHOOK_EVENTS))
        what = "updated"
    else:
        what = "unchanged"
    old_secret = stored.secret if stored else ""
    if rotate and what != "created":
        hook, what = client.rotate_webhook_secret(hook.id), "rotated"
    # Healthie may leave the secret out of a later answer: keep the one we have then.
    secret = hook.signature_secret or old_secret
    changed = bool(old_secret) and secret != old_secret
    with transaction.atomic():
        HealthieWebhook.objects.exclude(healthie_id=hook.id).delete()
        row, _ = HealthieWebhook.objects.update_or_create(
            healthie_id=hook.id,
            defaults={
                "url": hook.url or url,
                "event_types": list(hook.event_types),
                "secret": secret,
                **(
                    {"previous_secret": old_secret, "rotated_at": timezone.now()} if changed else {}
                ),
            },
        )
    logger.info("healthie webhook %s %s", hook.id, what)
    return row, what


# --------------------------------------------------------------------------------------------
# Deliveries


def _status_update(**fields) -> None:
    """Update the one status row (created on first use)."""
    SyncStatus.objects.get_or_create(pk=1)  # a concurrent create is caught and read back
    SyncStatus.objects.filter(pk=1).update(**fields)


def delivery_refused(*, reason: str) -> None:
    """A delivery failed verification: staff see when and why (nothing else is written)."""
    logger.warning("healthie webhook refused: %s", reason)
    _status_update(
        last_verification_failure_at=timezone.now(),
        last_verification_failure=reason[:64],
        verification_failures=F("verification_failures") + 1,
    )


def delivery_accept(*, event: payloads.Event) -> HealthieEvent:
    """A verified delivery: record it, and queue the appointment events for the worker.
    Raises when the broker cannot take the task (Healthie then retries the delivery)."""
    handled = event.is_appointment
    recorded = HealthieEvent.objects.create(
        event_type=event.event_type,
        resource_id=event.resource_id,
        resource_id_type=event.resource_id_type,
        outcome=Outcome.QUEUED if handled else Outcome.IGNORED,
        processed_at=None if handled else timezone.now(),
    )
    _status_update(last_delivery_at=timezone.now())
    logger.info("healthie %s %s: event %s", event.event_type, event.resource_id, recorded.pk)
    if handled:
        try:
            enqueue(EVENT_TASK, recorded.pk)
        except Exception:
            # Not queued: Healthie is answered 503 and retries; reconciliation is the backstop.
            HealthieEvent.objects.filter(pk=recorded.pk).update(outcome=Outcome.FAILED)
            raise
    return recorded


def event_apply(*, event_id: int) -> str:
    """The worker's half of a delivery: read the appointment back and converge the mirror.
    Raises VendorError / UpstreamUnavailable / NotYet for the task to retry."""
    recorded = HealthieEvent.objects.filter(pk=event_id).first()
    if recorded is None:
        return "missing"  # pruned meanwhile: reconciliation covers whatever it announced
    outcome, booking = appointment_sync(appointment_id=recorded.resource_id)
    HealthieEvent.objects.filter(pk=event_id).update(
        outcome=outcome, processed_at=timezone.now(), booking_id=booking.pk if booking else None
    )
    logger.info("healthie event %s: %s", event_id, outcome)
    return outcome


def event_give_up(*, event_id: int) -> None:
    """Retries ran out (Healthie unreachable): reconciliation repairs what this missed."""
    HealthieEvent.objects.filter(pk=event_id).update(
        outcome=Outcome.FAILED, processed_at=timezone.now()
    )


# --------------------------------------------------------------------------------------------
# One appointment


def appointment_sync(
    *, appointment_id: str, appointment: Appointment | None | object = _MISSING
) -> tuple[str, Booking | None]:
    """Bring the mirror of one Healthie appointment in line with Healthie: (outcome, booking).

    `appointment` is what Healthie just showed (reconciliation's listing); by default it is
    read here. Safe to run any number of times, concurrently too.
    """
    announced = appointment is _MISSING  # an event: Healthie says something changed
    if announced:
        appointment = healthie().appointment(appointment_id, include_deleted=True)
    if announced and appointment is not None and appointment.provider_id:
        # Any change to a provider's calendar (ours or not) changes what patients can book.
        availability_services.availability_invalidate(provider_ids=[appointment.provider_id])
    booking = selectors.mirror_for(appointment_id=appointment_id)
    if booking is None and appointment is not None:
        booking = _ours_in_flight(appointment)
    if booking is None:
        return _mirror_booked_elsewhere(appointment)
    refreshed = manage_services.booking_refresh_from_healthie(booking=booking)
    changed = [c for c in refreshed.changes if c.by == BookingChange.By.HEALTHIE]
    if changed:
        return Outcome.APPLIED, refreshed.booking
    if _written_by_us_lately(refreshed.booking):
        return Outcome.ECHO, refreshed.booking
    return Outcome.UNCHANGED, refreshed.booking


def _ours_in_flight(appointment: Appointment) -> Booking | None:
    """Our checkout for this provider and time, if Healthie's event overtook its answer.

    A checkout holds its booking row locked while Healthie books (PostgreSQL row lock; the
    demo's SQLite takes its write lock when a transaction begins): waiting for that lock means
    waiting for the checkout to commit, after which the booking names the appointment. A
    checkout recorded but not sent yet, or a failed one its patient may be retrying, defers the
    event (NotYet) rather than risk mirroring our own booking a second time. A checkout whose
    answer was lost is settled here (a look-up, never a second booking)."""
    same_time = Booking.objects.filter(
        provider_id=appointment.provider_id, start=appointment.start, healthie_appointment_id=""
    )
    with transaction.atomic():
        list(
            same_time.select_for_update()
            .filter(status__in=[Status.PENDING, Status.UNKNOWN])
            .values_list("pk", flat=True)
        )
    booking = selectors.mirror_for(appointment_id=appointment.id)
    if booking is not None:
        return booking
    recent = timezone.now() - IN_FLIGHT_GRACE
    unsettled = same_time.filter(
        Q(status__in=[Status.PENDING, Status.UNKNOWN])
        | Q(status=Status.FAILED, updated_at__gte=recent)  # its patient may be retrying
    )
    for candidate in unsettled:
        abandoned = (
            candidate.status == Status.PENDING
            and candidate.checkout_attempts > 0
            and candidate.updated_at < recent
        )
        if candidate.status != Status.UNKNOWN and not abandoned:
            raise NotYet(f"booking {candidate.pk}'s checkout for this time may be on its way")
        settled = booking_services.booking_settle(booking_id=candidate.pk)
        if settled.healthie_appointment_id == appointment.id:
            return settled
        if settled.status in (Status.PENDING, Status.UNKNOWN):
            raise NotYet(f"booking {candidate.pk} is still unsettled")
    return selectors.mirror_for(appointment_id=appointment.id)


def _written_by_us_lately(booking: Booking) -> bool:
    since = timezone.now() - ECHO_WINDOW
    return (
        booking.changes.filter(
            by__in=[BookingChange.By.PATIENT, BookingChange.By.STAFF], updated_at__gte=since
        ).exists()
        or booking.history.filter(reason__in=OUR_CONFIRMATIONS, at__gte=since).exists()
        or booking.provisions.filter(written_to_healthie=True, updated_at__gte=since).exists()
    )


def _is_gone(appointment: Appointment | None) -> bool:
    return (
        appointment is None
        or appointment.deleted_at is not None
        or (appointment.pm_status or "").strip().lower() in GONE_PM_STATUSES
    )


def _mirror_booked_elsewhere(appointment: Appointment | None) -> tuple[str, Booking | None]:
    """An appointment staff (or another booking tool) made in Healthie: mirrored and
    provisioned when its type's plan asks for it; upcoming and active ones only."""
    if _is_gone(appointment) or appointment.start <= timezone.now():
        return Outcome.IGNORED, None
    plan = provisioning_selectors.plan_for(appointment.appointment_type_id or "")
    if plan is None or not plan.provision_booked_elsewhere or not plan.parts():
        return Outcome.IGNORED, None
    patient = healthie().patient(appointment.patient_id) if appointment.patient_id else None
    provider = availability_selectors.provider_get(provider_id=appointment.provider_id or "")
    zone = (provider.timezone if provider else None) or conf.default_timezone()
    end = appointment.end or appointment.start + timedelta(minutes=appointment.length_minutes or 30)
    with transaction.atomic():
        booking, created = Booking.objects.get_or_create(
            idempotency_key=f"healthie:{appointment.id}",
            defaults={
                "status": Status.CONFIRMED,
                "status_reason": "booked_in_healthie",
                "provider_id": appointment.provider_id or "",
                "provider_name": (provider.name if provider else appointment.provider_name) or "",
                "provider_timezone": zone,
                "appointment_type_id": appointment.appointment_type_id or "",
                "appointment_type_name": appointment.appointment_type_name or "",
                "length_minutes": int((end - appointment.start) / timedelta(minutes=1)),
                "contact_type": appointment.contact_type or "",
                "start": appointment.start,
                "end": end,
                "patient_timezone": zone,
                "first_name": (patient.first_name if patient else "") or "",
                "last_name": (patient.last_name if patient else "") or "",
                "email": (patient.email if patient else "") or "",
                "phone": (patient.phone_number if patient else "") or "",
                "healthie_appointment_id": appointment.id,
                "healthie_patient_id": appointment.patient_id or "",
                "healthie_pm_status": appointment.pm_status or "",
                "healthie_checked_at": timezone.now(),
            },
        )
        if not created:
            return Outcome.UNCHANGED, booking
        BookingStatusChange.objects.create(
            booking=booking, to_status=Status.CONFIRMED, reason="booked_in_healthie"
        )
        booking_id, provider_id = booking.pk, booking.provider_id
        transaction.on_commit(
            lambda: provisioning_services.provisioning_start(booking_id=booking_id)
        )
        transaction.on_commit(
            lambda: availability_services.availability_invalidate(provider_ids=[provider_id])
        )
    logger.info("booking %s: mirrored from Healthie", booking.pk)
    return Outcome.MIRRORED, booking


# --------------------------------------------------------------------------------------------
# Reconciliation


def _drifted(booking: Booking, appointment: Appointment) -> bool:
    if booking.status not in (Status.CONFIRMED, Status.CANCELLED):
        return True  # unsettled: let the refresh settle it
    return booking.start != appointment.start or (
        (booking.status == Status.CANCELLED) != _is_gone(appointment)
    )


def reconcile(*, now: datetime | None = None) -> tuple[int, int]:
    """Page through Healthie's appointments from a few days back to a few weeks ahead (bounded
    pages) and repair any drift the webhooks missed, with the same effects as a webhook:
    (appointments checked, bookings repaired). Mirrors Healthie no longer lists (deleted) are
    read back one by one. Idempotent: a second run finds nothing to repair."""
    now = now or timezone.now()
    start = now - timedelta(days=settings.HEALTHIE_RECONCILE_DAYS_BACK)
    end = now + timedelta(weeks=settings.HEALTHIE_RECONCILE_WEEKS_AHEAD)
    max_pages = settings.HEALTHIE_RECONCILE_MAX_PAGES
    try:
        listed = healthie().appointments(
            start=start,
            end=end,
            filter="all",
            with_all_statuses=True,
            is_org=True,
            max_pages=max_pages,
        )
    except VendorError as exc:
        _status_update(last_reconcile_error=f"listing failed: {type(exc).__name__}"[:200])
        raise
    mirrors = selectors.mirrors_between(start=start, end=end)
    # A listing cut short by max_pages says nothing about mirrors after its last appointment.
    full = len(listed) < max_pages * HEALTHIE_PAGE_SIZE
    horizon = end if full or not listed else listed[-1].start
    checked = fixed = errors = 0
    for appointment in listed:
        checked += 1
        booking = mirrors.get(appointment.id) or selectors.mirror_for(appointment_id=appointment.id)
        if booking is not None and not _drifted(booking, appointment):
            continue
        outcome = _repair(appointment.id, appointment)
        errors += outcome is None
        fixed += outcome in (Outcome.APPLIED, Outcome.MIRRORED)
    seen = {appointment.id for appointment in listed}
    for appointment_id, booking in mirrors.items():
        if appointment_id in seen or booking.status != Status.CONFIRMED:
            continue
        if booking.start > horizon:
            continue
        checked += 1
        outcome = _repair(appointment_id, _MISSING)
        errors += outcome is None
        fixed += outcome == Outcome.APPLIED
    # The event log is for looking into recent trouble; the mirror itself is the record.
    HealthieEvent.objects.filter(received_at__lt=now - EVENT_LOG_DAYS).delete()
    _status_update(
        last_reconciled_at=timezone.now(),
        last_reconcile_checked=checked,
        last_reconcile_fixed=fixed,
        last_reconcile_error=f"{errors} appointment(s) could not be checked" if errors else "",
    )
    logger.info("healthie reconciliation: %s checked, %s repaired", checked, fixed)
    return checked, fixed


def _repair(appointment_id: str, appointment) -> str | None:
    """appointment_sync for one appointment; None when it could not be done now."""
    try:
        outcome, _ = appointment_sync(appointment_id=appointment_id, appointment=appointment)
    except (VendorError, UpstreamUnavailable, NotYet) as exc:
        logger.info("reconciling appointment %s failed: %s", appointment_id, type(exc).__name__)
        return None
    return outcome
