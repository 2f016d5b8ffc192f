"""Holds, lost slots, concurrent confirmations and double submits."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, SlotHold
from tests.scheduling.conftest import (
    VIDEO,
    Patient,
    appointments_at,
    day_of,
    hidden,
    query_of,
    run_threads,
    times,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_held_slot_is_hidden_from_other_patients_until_it_expires(pages, sandbox):
    alice, bob = Patient(), Patient()
    times_response = alice.times_page()
    day = day_of(times_response)
    hold, slot = alice.hold(times_response)
    assert hold.status_code == 302

    bob_times = [value for value, _ in times(bob.times_page(day).content.decode())]
    assert slot not in bob_times
    # Alice still sees her own slot when she goes back to the times (her hold is in the URL).
    own = alice.flow_params(day=day, hold=query_of(hold["Location"])["hold"])
    back = alice.get("/book/riverside/times/", own)
    assert slot in [value for value, _ in times(back.content.decode())]

    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    bob_times = [value for value, _ in times(bob.times_page(day).content.decode())]
    assert slot in bob_times


def test_two_patients_cannot_hold_the_same_slot(pages, sandbox):
    alice, bob = Patient(), Patient()
    times_response = alice.times_page()
    first, slot = alice.hold(times_response)
    second, _ = bob.hold(times_response, slot)
    assert first.status_code == 302 and "/details/" in first["Location"]
    assert second.status_code == 302 and query_of(second["Location"])["notice"] == "taken"
    page = bob.client.get(second["Location"])
    assert page.status_code == 409
    assert "that time was just taken" in page.content.decode()
    assert SlotHold.objects.count() == 1


def test_picking_another_time_releases_the_previous_hold(pages, sandbox):
    patient = Patient()
    times_response = patient.times_page()
    first, slot = patient.hold(times_response)
    token = query_of(first["Location"])["hold"]
    day = day_of(times_response)
    again = patient.get("/book/riverside/times/", patient.flow_params(day=day, hold=token))
    other = [value for value, _ in times(again.content.decode()) if value != slot][0]
    second, _ = patient.hold(again, other)
    assert second.status_code == 302
    holds = list(SlotHold.objects.all())
    assert len(holds) == 1 and holds[0].start == datetime.fromisoformat(other)


def test_expired_hold_taken_by_someone_else_is_just_taken_on_confirm(pages, sandbox):
    alice, bob = Patient(), Patient()
    review, slot = alice.to_review()
    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # The slot is free again: Bob holds it.
    bob_hold, _ = bob.hold(bob.times_page(datetime.fromisoformat(slot).date().isoformat()), slot)
    assert "/details/" in bob_hold["Location"]
    response = alice.confirm(review)
    assert response.status_code == 302
    assert query_of(response["Location"])["notice"] == "taken"
    assert not sandbox.calls(vendor="healthie", operation="completeCheckout")
    booking = Booking.objects.get()
    assert (booking.status, booking.status_reason) == ("rejected", "slot_taken")


def test_expired_hold_nobody_took_still_books(patient, sandbox):
    review, slot = patient.to_review()
    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = patient.confirm(review)
    assert response.status_code == 302 and "/booked/" in response["Location"]
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_details_page_of_an_expired_hold_says_so(patient):
    times_response = patient.times_page()
    hold, _ = patient.hold(times_response)
    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = patient.client.get(hold["Location"])
    assert response.status_code == 302
    assert query_of(response["Location"])["notice"] == "expired"
    page = patient.client.get(response["Location"], follow=True)
    assert "Your hold on that time ran out" in page.content.decode()
    assert "/times/" in response["Location"]


def test_slot_lost_to_another_patient_rerenders_times(patient, sandbox):
    review, slot = patient.to_review()
    start = datetime.fromisoformat(slot)
    # Someone books the same slot directly in Healthie (phone call to the front desk, say).
    with HealthieClient() as client:
        client.complete_checkout(
            appointment_type_id="301",
            contact_type=VIDEO,
            start=start,
            timezone="America/New_York",
            provider_id="101",
            first_name="Other",
            last_name="Patient",
            email="other.patient@example.com",
            phone_number="555-987-6543",
        )
    response = patient.confirm(review)
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["notice"] == "taken" and params["day"] == start.date().isoformat()
    page = patient.client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 409
    assert "Sorry, that time was just taken" in content
    remaining = [value for value, _ in times(content)]
    assert remaining and slot not in remaining  # times re-rendered, fresh from Healthie
    booking = Booking.objects.get()
    assert (booking.status, booking.status_reason) == ("rejected", "slot_taken")
    assert len(appointments_at(start)) == 1
    assert not SlotHold.objects.exists()


def test_twenty_concurrent_confirmations_of_one_slot(pages, sandbox):
    times_response = Patient().times_page()
    content = times_response.content.decode()
    slot = times(content)[0][0]
    form_token = hidden(content, "form_token")

    def book(index: int) -> str:
        patient = Patient()
        patient.details = {
            "first_name": f"Patient{index}",
            "last_name": "Concurrent",
            "email": f"patient{index}@example.com",
            "phone": f"555-010-{index:04d}",
        }
        hold = patient.post("/book/riverside/hold/", {"form_token": form_token, "slot": slot})
        if "/details/" not in hold["Location"]:
            page = patient.client.get(hold["Location"])
            assert "that time was just taken" in page.content.decode()
            return "taken"
        review = patient.submit_details(patient.details_page(hold))
        response = patient.confirm(review)
        if "/booked/" in response["Location"]:
            return "booked"
        page = patient.client.get(response["Location"])
        assert "that time was just taken" in page.content.decode()
        return "taken"

    outcomes = run_threads(20, book)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == 19, outcomes
    assert Booking.objects.filter(status="confirmed").count() == 1
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1
    assert len(appointments_at(datetime.fromisoformat(slot))) == 1


def test_double_submit_makes_one_booking(patient, sandbox):
    review, _ = patient.to_review()
    first = patient.confirm(review)
    second = patient.confirm(review)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1


def test_concurrent_double_clicks_make_one_booking(patient, sandbox):
    review, slot = patient.to_review()
    token = hidden(review.content.decode(), "confirm_token")

    def click(_):
        response = Patient().post("/book/riverside/confirm/", {"confirm_token": token})
        return response.status_code, response["Location"]

    outcomes = run_threads(8, click)
    assert {o for o in outcomes} == {outcomes[0]} and "/booked/" in outcomes[0][1]
    assert Booking.objects.count() == 1
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1
    assert len(appointments_at(datetime.fromisoformat(slot))) == 1
