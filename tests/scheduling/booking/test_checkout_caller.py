"""Self-booking goes out as Healthie documents it: completeCheckout is public, and an
authenticated caller books for itself. The sandbox tells the two callers apart as Healthie does,
so booking with the staff key would show here (the appointment would be the staff member's)."""

from datetime import timedelta

import pytest

from integrations.healthie.client import HealthieClient
from integrations.healthie.sandbox.seed import OWNER_ID
from scheduling.booking import services as booking_services
from scheduling.models import Booking

pytestmark = pytest.mark.django_db

DETAILS = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@example.com",
    "phone_number": "5551234567",
}


def checkout(client: HealthieClient, start, *, public: bool):
    return client.complete_checkout(
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=start,
        timezone="America/New_York",
        provider_id="101",
        public=public,
        **DETAILS,
    )


def test_a_keyed_checkout_books_for_the_staff_member_a_public_one_for_the_patient(sandbox):
    with HealthieClient() as client:
        first = client.next_available_slot(appointment_type_id="302", provider_id="101")
        as_staff = checkout(client, first, public=False)
        second = client.next_available_slot(appointment_type_id="302", provider_id="101")
        as_patient = checkout(client, second, public=True)
        patient = client.find_patient(email=DETAILS["email"])
    assert as_staff.patient_id == OWNER_ID
    assert patient is not None and as_patient.patient_id == patient.id != OWNER_ID


def test_the_booking_flow_books_for_the_patient(patient, sandbox):
    review, _ = patient.to_review()
    confirmed = patient.confirm(review)
    assert confirmed.status_code == 302
    booking = Booking.objects.get()
    with HealthieClient() as client:
        appointment = client.appointment(booking.healthie_appointment_id)
        owner = client.patient(appointment.patient_id)
    assert appointment.patient_id != OWNER_ID
    assert owner.email.lower() == booking.email.lower()


def test_a_lost_answer_is_found_even_once_the_start_has_passed(sandbox, pinned_clock):
    """Healthie's `appointments` defaults to future ones: the look-up asks for all of them."""
    with HealthieClient() as client:
        start = client.next_available_slot(appointment_type_id="302", provider_id="101")
        appointment = checkout(client, start, public=True)
    booking = Booking.objects.create(
        idempotency_key="lost-answer",
        status=Booking.Status.UNKNOWN,
        provider_id="101",
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=start,
        end=start + timedelta(minutes=30),
        patient_timezone="America/New_York",
        checkout_attempts=1,
        **{k: v for k, v in DETAILS.items() if k != "phone_number"},
        phone=DETAILS["phone_number"],
    )
    pinned_clock.move_to(start + timedelta(minutes=10))
    settled = booking_services.booking_settle(booking_id=booking.pk)
    assert (settled.status, settled.healthie_appointment_id) == (
        Booking.Status.CONFIRMED,
        appointment.id,
    )


def test_a_lookup_never_takes_an_appointment_of_another_type_or_one_already_mirrored(sandbox):
    with HealthieClient() as client:
        start = client.next_available_slot(appointment_type_id="302", provider_id="101")
        appointment = checkout(client, start, public=True)
    fields = {
        "status": Booking.Status.UNKNOWN,
        "provider_id": "101",
        "contact_type": "Healthie Video Call",
        "start": start,
        "end": start + timedelta(minutes=30),
        "patient_timezone": "America/New_York",
        "checkout_attempts": 1,
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "phone": "5551234567",
    }
    other_type = Booking.objects.create(idempotency_key="k1", appointment_type_id="301", **fields)
    assert booking_services.booking_settle(booking_id=other_type.pk).status == "failed"
    mirrored = Booking.objects.create(
        idempotency_key="k2",
        appointment_type_id="302",
        **{**fields, "status": Booking.Status.CONFIRMED},
        healthie_appointment_id=appointment.id,
    )
    duplicate = Booking.objects.create(idempotency_key="k3", appointment_type_id="302", **fields)
    assert booking_services.booking_settle(booking_id=duplicate.pk).healthie_appointment_id == ""
    assert mirrored.healthie_appointment_id == appointment.id
