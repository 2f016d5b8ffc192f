"""The app's own writes come back from Healthie as webhooks: recognised, not applied twice, and
never mirrored as an appointment booked elsewhere."""

from datetime import timedelta

import pytest

from scheduling.manage import services as manage_services
from scheduling.models import Booking, BookingChange, HealthieEvent, Provision
from scheduling.sync import services as sync_services
from tests.scheduling.sync.conftest import book_in_healthie, event_body

pytestmark = pytest.mark.django_db


def test_our_own_cancel_coming_back_is_an_echo(
    deliver, provisioned, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    booking, room = provisioned()
    with django_capture_on_commit_callbacks(execute=True):
        manage_services.booking_cancel(booking=booking, idempotency_key="cancel-echo")
    body = event_body("appointment.updated", booking.healthie_appointment_id, ["pm_status"])
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(body).status_code == 202
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.ECHO
    [change] = BookingChange.objects.filter(booking=booking)
    assert change.by == BookingChange.By.PATIENT  # no second change "by the clinic"
    room.refresh_from_db()
    assert room.status == Provision.Status.CANCELLED


def test_the_video_link_we_write_coming_back_is_an_echo(
    deliver, provisioned, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    booking, _ = provisioned()  # provisioning wrote the room's link to the appointment
    body = event_body("appointment.updated", booking.healthie_appointment_id, ["other"])
    with django_capture_on_commit_callbacks(execute=True):
        deliver(body)
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.ECHO
    assert not booking.changes.exists()


def test_a_created_event_that_overtakes_our_checkout_answer_is_ours_not_booked_elsewhere(
    deliver, plan, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    start = staff.next_available_slot(appointment_type_id="302", provider_id="101")
    appointment = book_in_healthie(
        staff,
        start,
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.com",
        phone_number="5551234567",
    )
    # Our checkout's answer was lost: the booking is unknown when Healthie's event arrives.
    ours = Booking.objects.create(
        idempotency_key="checkout-lost",
        status=Booking.Status.UNKNOWN,
        provider_id="101",
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=start,
        end=start + timedelta(minutes=30),
        patient_timezone="America/New_York",
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.com",
        phone="5551234567",
        checkout_attempts=1,
    )
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event_body("appointment.created", appointment.id, changed=()))
    ours.refresh_from_db()
    assert (ours.status, ours.healthie_appointment_id) == (
        Booking.Status.CONFIRMED,
        appointment.id,
    )
    assert Booking.objects.filter(healthie_appointment_id=appointment.id).count() == 1
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.ECHO


def test_a_created_event_waits_while_a_checkout_for_that_time_may_be_on_its_way(
    plan, staff, sandbox
):
    start = staff.next_available_slot(appointment_type_id="302", provider_id="101")
    appointment = book_in_healthie(staff, start)
    Booking.objects.create(  # recorded, not yet sent: it may be the one Healthie just booked
        idempotency_key="checkout-recorded",
        provider_id="101",
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=start,
        end=start + timedelta(minutes=30),
        patient_timezone="America/New_York",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone="5550001111",
    )
    with pytest.raises(sync_services.NotYet):
        sync_services.appointment_sync(appointment_id=appointment.id)
    assert not Booking.objects.filter(healthie_appointment_id=appointment.id).exists()
