"""Healthie down or silent, bad input, forged or stale forms."""

import time
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from scheduling.booking.tasks import settle_booking
from scheduling.common import tokens
from scheduling.models import Booking, SlotHold
from tests.scheduling.conftest import ORIGIN, appointments_at, hidden

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_broker(monkeypatch):
    """Record settle tasks instead of publishing them (no broker runs in these tests)."""
    sent = []
    monkeypatch.setattr(
        settle_booking, "apply_async", lambda args=None, **kw: sent.append((args, kw))
    )
    return sent


def checkout_calls(sandbox, *, at_least: int = 1) -> int:
    """completeCheckout calls in the sandbox log; a timed-out call is logged when the sandbox
    finally drops it, so wait a little for it to appear."""
    deadline = time.monotonic() + 5
    while True:
        count = len(sandbox.calls(vendor="healthie", operation="completeCheckout"))
        if count >= at_least or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def test_healthie_down_keeps_input_and_the_booking_row(patient, sandbox, no_broker):
    review, slot = patient.to_review()
    sandbox.fault("healthie", "http_500", operation="completeCheckout", count=None)
    response = patient.confirm(review)
    content = response.content.decode()
    assert response.status_code == 503
    assert "couldn&#x27;t reach the clinic&#x27;s scheduling system" in content
    assert "not booked yet" in content
    for value in patient.details.values():  # the patient's input is still on the page
        assert value in content
    assert hidden(content, "confirm_token") == hidden(review.content.decode(), "confirm_token")
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.FAILED
    assert booking.status_reason
    assert (booking.first_name, booking.email) == ("Ada", "ada.lovelace@example.com")
    assert [h.to_status for h in booking.history.all()] == ["pending", "unknown", "failed"]
    assert SlotHold.objects.filter(start=datetime.fromisoformat(slot)).exists()  # still held
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1

    # Healthie is back: the same button (same idempotency key) books it, once.
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = patient.post(
        "/book/riverside/confirm/", {"confirm_token": hidden(content, "confirm_token")}
    )
    assert again.status_code == 302 and "/booked/" in again["Location"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Booking.objects.count() == 1
    assert len(appointments_at(datetime.fromisoformat(slot))) == 1


def test_healthie_down_while_browsing_is_a_clear_error(patient, sandbox):
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    with override_settings(HEALTHIE_MAX_RETRIES=0):
        response = patient.calendar()
    assert response.status_code == 503
    assert "We can&#x27;t load times right now" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1)
def test_lost_response_is_settled_without_a_second_appointment(patient, sandbox, no_broker):
    review, slot = patient.to_review()
    sandbox.fault(
        "healthie", "timeout", operation="completeCheckout", when="after", timeout_seconds=3
    )
    response = patient.confirm(review)
    assert response.status_code == 302 and "/booked/" in response["Location"]
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.status_reason == "settled_found"
    assert [h.to_status for h in booking.history.all()] == ["pending", "unknown", "confirmed"]
    assert booking.healthie_appointment_id
    assert checkout_calls(sandbox) == 1
    assert len(appointments_at(datetime.fromisoformat(slot))) == 1
    assert not no_broker  # settled in the request: no task needed

    # Resubmitting the form afterwards changes nothing.
    again = patient.confirm(review)
    assert again["Location"] == response["Location"]
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1, HEALTHIE_MAX_RETRIES=0)
def test_unknown_outcome_is_settled_by_the_task_run_twice(patient, sandbox, no_broker):
    review, slot = patient.to_review()
    sandbox.fault(
        "healthie", "timeout", operation="completeCheckout", when="after", timeout_seconds=3
    )
    sandbox.fault("healthie", "http_500", operation="users", count=None)  # lookup fails too
    response = patient.confirm(review)
    content = response.content.decode()
    assert response.status_code == 202
    assert "We&#x27;re not sure yet" in content or "We're not sure yet" in content
    assert "ada.lovelace@example.com" in content  # input kept
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.UNKNOWN
    assert no_broker == [([booking.pk], {"countdown": 30})]
    status_url = f"/book/riverside/booked/{booking.reference}/"
    assert status_url in content
    page = patient.client.get(status_url)
    assert "We're confirming your booking" in page.content.decode()
    assert "Please don't book again" in page.content.decode()

    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    assert settle_booking.apply(args=[booking.pk]).get() == "confirmed"
    assert settle_booking.apply(args=[booking.pk]).get() == "confirmed"  # safe twice
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.history.filter(to_status="confirmed").count() == 1
    assert checkout_calls(sandbox) == 1
    assert len(appointments_at(datetime.fromisoformat(slot))) == 1
    assert "You're booked" in patient.client.get(status_url).content.decode()


def test_validation_errors_rerender_with_field_errors(patient):
    times_response = patient.times_page()
    hold, _ = patient.hold(times_response)
    details = patient.details_page(hold)
    response = patient.submit_details(
        details, first_name="", last_name="Lovelace", email="not-an-email", phone="12"
    )
    content = response.content.decode()
    assert response.status_code == 422
    assert "Please check your details" in content and 'role="alert"' in content
    assert "Enter your first name." in content
    assert "Enter an email address like name@example.com." in content
    assert "Enter a phone number with 10 to 15 digits" in content
    assert 'aria-invalid="true"' in content
    assert 'aria-describedby="id_email_error"' in content
    assert 'value="Lovelace"' in content and 'value="not-an-email"' in content
    assert not Booking.objects.exists()


def test_change_details_from_the_review_page(patient):
    review, _ = patient.to_review()
    content = review.content.decode()
    data = {
        "details_token": hidden(content, "details_token"),
        "edit": "1",
        **patient.details,
    }
    response = patient.post("/book/riverside/details/", data)
    assert response.status_code == 200
    assert 'value="ada.lovelace@example.com"' in response.content.decode()
    assert "Your details" in response.content.decode()


def test_tampered_token_is_rejected(patient, sandbox):
    review, _ = patient.to_review()
    token = hidden(review.content.decode(), "confirm_token")
    payload = tokens.unsign("confirm", token)
    forged = signing.TimestampSigner(salt="attacker").sign_object({**payload, "provider_id": "102"})
    for bad in (token[:-2] + "xx", forged, "", "garbage"):
        response = patient.post("/book/riverside/confirm/", {"confirm_token": bad})
        assert response.status_code == 400
        assert "Something went wrong with this form" in response.content.decode()
    # A token made for another step does not work here either.
    details_token = hidden(review.content.decode(), "details_token")
    response = patient.post("/book/riverside/confirm/", {"confirm_token": details_token})
    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert not sandbox.calls(vendor="healthie", operation="completeCheckout")


def test_expired_token_is_rejected(patient, pinned_clock):
    review, _ = patient.to_review()
    pinned_clock.move_to(timezone.now() + timedelta(minutes=31))  # tokens last 30 minutes
    response = patient.confirm(review)
    assert response.status_code == 400
    assert "This page has expired" in response.content.decode()
    assert not Booking.objects.exists()


def test_posts_need_an_allowed_origin(patient):
    times_response = patient.times_page()
    content = times_response.content.decode()
    data = {"form_token": hidden(content, "form_token"), "slot": "x"}
    hold_url = "/book/riverside/hold/"
    assert patient.post(hold_url, data, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert patient.post(hold_url, data, HTTP_ORIGIN="null").status_code == 403
    no_origin = patient.client.post(hold_url, data)
    assert no_origin.status_code == 403
    assert "can&#x27;t be sent from here" in no_origin.content.decode()
    # Same origin by Referer (a browser that sends no Origin) passes the check.
    by_referer = patient.client.post(hold_url, data, HTTP_REFERER=f"{ORIGIN}/book/riverside/")
    assert by_referer.status_code == 400  # past the origin check; "x" is not a slot
    with override_settings(BOOKING_EMBED_ORIGINS=["https://clinic.example"]):
        embedded = patient.post(hold_url, data, HTTP_ORIGIN="https://clinic.example")
    assert embedded.status_code == 400


@override_settings(BOOKING_EMBED_ORIGINS=["https://clinic.example"])
def test_booking_pages_can_be_framed_by_allowed_sites_and_admin_cannot(patient, admin_client):
    response = patient.get("/book/riverside/", {"tz": patient.tz})
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert policy["frame-ancestors"] == "'self' https://clinic.example"
    assert policy["script-src"] == "'self'"  # the site's full policy, frame-ancestors added
    assert "X-Frame-Options" not in response
    calendar = patient.calendar()
    assert "frame-ancestors" in calendar["Content-Security-Policy"]
    assert "X-Frame-Options" not in calendar
    assert admin_client.get("/admin/")["X-Frame-Options"] == "DENY"


def test_admin_lists_and_searches_bookings(patient, admin_client):
    review, _ = patient.to_review()
    patient.confirm(review)
    booking = Booking.objects.get()
    for query in (booking.reference, booking.email, "Lovelace", booking.healthie_appointment_id):
        page = admin_client.get("/admin/scheduling/booking/", {"q": query})
        assert page.status_code == 200 and booking.reference in page.content.decode()
    page = admin_client.get("/admin/scheduling/booking/", {"status__exact": "confirmed"})
    assert booking.reference in page.content.decode()
    change = admin_client.get(f"/admin/scheduling/booking/{booking.pk}/change/")
    assert change.status_code == 200 and "checkout" in change.content.decode()


def test_no_patient_data_in_logs(patient, sandbox, caplog, no_broker):
    caplog.set_level("DEBUG")
    review, _ = patient.to_review()
    sandbox.fault("healthie", "http_500", operation="completeCheckout")
    patient.confirm(review)
    patient.confirm(review)
    text = caplog.text
    for value in patient.details.values():
        assert value not in text


def test_details_refused_by_healthie_then_fixed_with_the_same_key(patient, sandbox):
    from scheduling.booking import services as booking_services
    from scheduling.models import BookingPage

    times_response = patient.times_page()
    hold, slot = patient.hold(times_response)
    token = hidden(patient.details_page(hold).content.decode(), "details_token")
    payload = tokens.unsign("details", token)
    arguments = {
        "page": BookingPage.objects.get(slug="riverside"),
        "idempotency_key": payload["idempotency_key"],
        "hold_token": payload["hold"],
        "provider_choice": payload["provider"],
        "provider_id": payload["provider_id"],
        "appointment_type_id": payload["type"],
        "contact_type": payload["contact"],
        "start": datetime.fromisoformat(slot),
        "patient_timezone": payload["tz"],
    }
    refused = booking_services.booking_confirm(
        **arguments,
        patient=booking_services.PatientDetails("Ada", "Lovelace", "no-at-sign", "555-123-4567"),
    )
    assert (refused.booking.status, refused.booking.status_reason) == (
        "rejected",
        "details_refused",
    )
    assert refused.field_errors == {"email": "Email is invalid"}
    fixed = booking_services.booking_confirm(
        **arguments,
        patient=booking_services.PatientDetails(
            "Ada", "Lovelace", "ada@example.com", "555-123-4567"
        ),
    )
    assert fixed.booking.pk == refused.booking.pk
    assert fixed.booking.status == "confirmed" and fixed.booking.email == "ada@example.com"
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 2


@override_settings(HEALTHIE_MAX_RETRIES=0)
def test_healthie_fully_down_at_confirm_still_records_and_keeps_input(patient, sandbox, no_broker):
    from django.core.cache import cache

    from scheduling.availability import selectors as availability_selectors

    review, _ = patient.to_review()
    # The catalogue's fresh copies expired; only the stale ones are left.
    cache.delete_many(
        [
            availability_selectors.cache_key("types", ["301", "302", "303", "304"]),
            availability_selectors.cache_key("members"),
        ]
    )
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    response = patient.confirm(review)
    content = response.content.decode()
    # A 5xx on the write leaves its outcome unknown, and the look-up fails too: the patient is
    # told so, keeps their input, and the booking row waits for the settle task.
    assert response.status_code == 202
    assert "can&#x27;t tell yet whether your appointment was booked" in content
    assert "ada.lovelace@example.com" in content
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.UNKNOWN
    assert booking.email == "ada.lovelace@example.com"
    assert no_broker == [([booking.pk], {"countdown": 30})]

    # Healthie comes back; pressing the same button looks it up first, then books once.
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = patient.confirm(review)
    assert again.status_code == 302 and "/booked/" in again["Location"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert [h.reason for h in booking.history.all()][-2:] == ["retry", "checkout"]
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    # The times page says Healthie is down instead of failing obscurely.
    page = patient.times_page(datetime.fromisoformat(booking.start.isoformat()).date().isoformat())
    assert page.status_code == 503
    assert "We can&#x27;t load times right now" in page.content.decode()
