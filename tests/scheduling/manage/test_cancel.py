"""Cancelling through the manage link."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import Booking
from tests.scheduling.conftest import DAYS_AHEAD, NEW_YORK, Patient, days_ahead, hidden, times
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import (
    Manager,
    book,
    healthie_appointment,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancel_happy_path(pages, sandbox, follow, spy):
    booking = book()
    manager = Manager(booking)
    page = manager.cancel_page()
    content = text(page)
    assert page.status_code == 200
    assert "Cancel your appointment?" in content
    assert Page(content).one("textbox", "Reason (optional)")
    response = manager.cancel(reason="Feeling better, thank you")
    assert response.status_code == 302
    assert response["Location"] == f"/book/riverside/booked/{booking.reference}/?changed=cancelled"

    # Healthie keeps the appointment, marked Cancelled: nothing deleted.
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    [call] = spy["update_appointment"]
    assert call["pm_status"] == "Cancelled" and "start" not in call
    assert not sandbox.calls(vendor="healthie", operation="deleteAppointment")
    appointment = healthie_appointment(booking)
    assert appointment.pm_status == "Cancelled" and appointment.deleted_at is None

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_at is not None and booking.sequence == 1
    assert booking.healthie_pm_status == "Cancelled"
    [change] = booking.changes.all()
    assert (change.kind, change.by, change.state) == ("cancel", "patient", "done")
    assert change.note == "Feeling better, thank you"
    assert [(h.from_status, h.to_status) for h in booking.history.all()][-1] == (
        "confirmed", "cancelled",
    )  # fmt: skip
    assert follow == [{"booking_id": booking.pk, "change": "cancelled"}]

    # The confirmation says so and offers to book again; the manage page too.
    confirmation = text(manager.client.get(response["Location"]))
    assert "Your appointment is cancelled" in confirmation
    assert "Book a new appointment" in confirmation
    assert "/book/riverside/?type=301&contact=Healthie%20Video%20Call&provider=101" in confirmation
    page = text(manager.page())
    assert "This appointment is cancelled" in page and "Book a new appointment" in page
    assert not Page(page).links("Reschedule")
    # The freed time is offered again.
    day = change.old_start.astimezone(ZoneInfo(NEW_YORK)).date().isoformat()
    freed = [
        datetime.fromisoformat(v) for v, _ in times(Patient().times_page(day).content.decode())
    ]
    assert change.old_start in freed


def test_double_submitted_cancel_cancels_once(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    page = manager.cancel_page()
    first = manager.cancel(page=page)
    second = manager.cancel(page=page)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    assert booking.changes.count() == 1


def test_cancel_with_healthie_down_keeps_the_reason(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    page = manager.cancel_page()
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    response = manager.cancel(reason="Travelling", page=page)
    content = text(response)
    assert response.status_code == 503
    assert "Not cancelled yet" in content
    assert Page(content).one("textbox", "Reason (optional)").text == "Travelling"
    assert hidden(response.content.decode(), "form_token") == hidden(
        page.content.decode(), "form_token"
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.changes.get().state == "failed"
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = manager.post(
        "cancel/", {"form_token": hidden(content, "form_token"), "reason": "Travelling"}
    )
    assert again.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.changes.count() == 1


def test_a_confirm_replayed_after_cancelling_does_not_book_again(pages, sandbox):
    # Book, keep the review form, cancel through the manage link, then press the old "Confirm
    # booking" again (browser Back + resubmit): one confirm token books at most once, ever.
    patient = Patient()
    day = patient.open_days_from(days_ahead(DAYS_AHEAD))[0]
    hold, _ = patient.hold(patient.times_page(day))
    review = patient.submit_details(patient.details_page(hold))
    booked = patient.confirm(review)
    booking = Booking.objects.get()
    assert Manager(booking).cancel().status_code == 302
    again = patient.confirm(review)
    assert again.status_code == 302
    assert again["Location"] == f"/book/riverside/booked/{booking.reference}/"
    assert again["Location"] == booked["Location"]
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert [h.to_status for h in booking.history.all()] == ["pending", "confirmed", "cancelled"]
