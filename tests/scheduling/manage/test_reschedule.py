"""Rescheduling through the manage link: the steps, Healthie's answer, the cache, taken
and expired times."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, SlotHold
from tests.scheduling.conftest import NEW_YORK, VIDEO, Patient, day_buttons, query_of, times
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import (
    Manager,
    book,
    healthie_appointment,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_reschedule_happy_path(pages, sandbox, follow, spy):
    booking = book()
    old_start = booking.start
    manager = Manager(booking)

    calendar = manager.calendar()
    content = text(calendar)
    assert calendar.status_code == 200
    assert "Choose a new date and time" in content
    assert "Your appointment now" in content
    picker = Page(content)  # the booking calendar's picker: a table of named day buttons
    assert picker.find_all("table") and day_buttons(content)
    assert all(b.get("aria-label") for b in day_buttons(content))
    times_response = manager.times_page()
    slots = times(times_response.content.decode())
    assert slots and all(re.match(r"^\d{1,2}:\d{2} (AM|PM)$", label) for _, label in slots)
    assert old_start.isoformat() not in [v for v, _ in slots]

    hold, slot = manager.hold(times_response)
    new_start = datetime.fromisoformat(slot)
    assert SlotHold.objects.filter(provider_id="101", start=new_start).exists()
    review = manager.review(hold)
    content = text(review)
    assert "Confirm your new time" in content and "Keep my current time" in content
    response = manager.confirm(review)
    assert response.status_code == 302
    assert (
        response["Location"] == f"/book/riverside/booked/{booking.reference}/?changed=rescheduled"
    )

    # Healthie has the new time, once, with availability enforced.
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    [call] = spy["update_appointment"]
    assert call["enforce_availability"] is True
    assert call["start"] == new_start and call["id"] == booking.healthie_appointment_id
    assert healthie_appointment(booking).start == new_start
    # The mirror keeps the history: old time, new time, who, when.
    booking.refresh_from_db()
    assert booking.start == new_start
    assert booking.end - booking.start == timedelta(minutes=60)
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.reschedule_count, booking.sequence) == (1, 1)
    [change] = booking.changes.all()
    assert (change.kind, change.by, change.state, change.reason) == (
        "reschedule", "patient", "done", "updated",
    )  # fmt: skip
    assert (change.old_start, change.new_start) == (old_start, new_start)
    assert change.done_at is not None
    assert not SlotHold.objects.exists()  # the new time is the booking's now
    assert follow == [{"booking_id": booking.pk, "change": "rescheduled"}]

    # The confirmation page shows the new time.
    confirmation = text(manager.client.get(response["Location"]))
    local = new_start.astimezone(ZoneInfo(NEW_YORK))
    assert "Your new time is booked" in confirmation
    assert f"{local:%B} {local.day}, {local.year} at {local.hour % 12 or 12}:{local:%M}" in (
        confirmation
    )
    # ...and the manage page its history.
    page = text(manager.page())
    assert "Moved from" in page and "by you" in page


def test_reschedule_steps_use_the_appointment_to_reschedule(pages, sandbox, spy):
    booking = book()
    spy.clear()
    Manager(booking).times_page()
    for name in ("days_available", "available_slots"):
        assert spy[name], name
        for call in spy[name]:
            assert call["appointment_to_reschedule_id"] == booking.healthie_appointment_id
            assert (call["provider_id"], call["appointment_type_id"]) == ("101", "301")
            assert call["contact_type"] == VIDEO


def test_htmx_swaps_only_the_picker(pages, sandbox):
    manager = Manager(book())
    day = manager.open_days()[0]
    response = manager.get(
        "reschedule/times/", {"tz": NEW_YORK, "day": day}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200
    root = next(child for child in Page(content).children if not isinstance(child, str))
    assert root.tag == "div" and root.get("id") == "picker" and "<html" not in content
    assert response["HX-Push-Url"].startswith(f"{manager.base}reschedule/times/?")
    assert Page(content).form(action=f"{manager.base}reschedule/hold/")


def test_reschedule_drops_the_availability_cache_for_the_provider(pages, sandbox):
    booking = book()
    old_start = booking.start
    old_day = old_start.astimezone(ZoneInfo(NEW_YORK)).date().isoformat()
    other = Patient()
    before = [v for v, _ in times(other.times_page(old_day).content.decode())]
    assert old_start.isoformat() not in [datetime.fromisoformat(v).isoformat() for v in before]
    response, _ = Manager(booking).reschedule()
    assert response.status_code == 302
    after = [
        datetime.fromisoformat(v) for v, _ in times(other.times_page(old_day).content.decode())
    ]
    assert old_start in after  # the old time is free again, not hidden by a stale cache


def test_taken_meanwhile_rerenders_the_times(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    new_start = datetime.fromisoformat(slot)
    # The front desk books that time in Healthie directly while the patient reads the review.
    with HealthieClient() as client:
        client.complete_checkout(
            appointment_type_id="301", contact_type=VIDEO, start=new_start, timezone=NEW_YORK,
            provider_id="101", first_name="Other", last_name="Patient",
            email="other.patient@example.com", phone_number="555-987-6543",
        )  # fmt: skip
    response = manager.confirm(review)
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["notice"] == "taken" and "/reschedule/times/" in response["Location"]
    page = manager.client.get(response["Location"])
    content = text(page)
    assert page.status_code == 409
    assert "Sorry, that time was just taken by someone else" in content
    assert slot not in [v for v, _ in times(page.content.decode())]
    booking.refresh_from_db()
    assert booking.start != new_start and booking.sequence == 0
    change = booking.changes.get()
    assert (change.state, change.reason) == ("rejected", "slot_taken")
    assert not SlotHold.objects.exists()


def test_expired_review_goes_back_to_the_times(pages, sandbox):
    manager = Manager(book())
    hold, slot = manager.hold(manager.times_page())
    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = manager.client.get(hold["Location"])
    assert response.status_code == 302
    assert query_of(response["Location"])["notice"] == "expired"
    assert "Your hold on that time ran out" in text(manager.client.get(response["Location"]))


def test_expired_hold_nobody_took_still_moves(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    SlotHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = manager.confirm(review)
    assert response.status_code == 302 and "changed=rescheduled" in response["Location"]
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot)
