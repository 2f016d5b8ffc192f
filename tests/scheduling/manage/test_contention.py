"""Reschedules under contention and failure: one slot for two patients, double submits, lost
answers and Healthie being down. Real PostgreSQL, the sandbox over HTTP."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from scheduling.manage.tasks import settle_unknown_changes
from scheduling.models import Booking, BookingChange, SlotHold
from tests.scheduling.conftest import NEW_YORK, appointments_at, hidden, run_threads, times
from tests.scheduling.manage.helpers import Manager, book, healthie_appointment, text

pytestmark = pytest.mark.django_db(transaction=True)


def update_calls(sandbox, *, at_least: int = 1) -> int:
    """updateAppointment calls in the sandbox log; a dropped (timed-out) call shows up when the
    sandbox finally lets it go, so wait a little for it."""
    deadline = time.monotonic() + 5
    while True:
        count = len(sandbox.calls(vendor="healthie", operation="updateAppointment"))
        if count >= at_least or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def test_two_patients_rescheduling_into_the_same_slot_one_wins(pages, sandbox):
    alice = book(email="alice@example.com")
    bob = book(email="bob@example.com", skip=1)
    managers = [Manager(alice), Manager(bob)]
    # Both look at the same day, on which neither has an appointment.
    busy = {b.start.astimezone(ZoneInfo(NEW_YORK)).date().isoformat() for b in (alice, bob)}
    day = next(d for d in managers[0].open_days() if d not in busy)
    pages_seen = [m.times_page(day) for m in managers]
    slot = times(pages_seen[0].content.decode())[0][0]
    assert slot in [v for v, _ in times(pages_seen[1].content.decode())]

    def move(index: int) -> str:
        manager = Manager(Booking.objects.get(pk=managers[index].booking.pk), client=Client())
        hold, _ = manager.hold(pages_seen[index], slot)
        if "/reschedule/review/" not in hold["Location"]:
            page = manager.client.get(hold["Location"])
            assert page.status_code == 409
            assert "that time was just taken" in text(page)
            return "taken"
        response = manager.confirm(manager.review(hold))
        if "changed=rescheduled" in response["Location"]:
            return "moved"
        page = manager.client.get(response["Location"])
        assert "that time was just taken" in text(page)
        return "taken"

    outcomes = run_threads(2, move)
    assert sorted(outcomes) == ["moved", "taken"], outcomes
    start = datetime.fromisoformat(slot)
    assert Booking.objects.filter(start=start).count() == 1
    assert len(appointments_at(start)) == 1
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    loser = Booking.objects.exclude(start=start).get()
    assert loser.sequence == 0 and loser.reschedule_count == 0
    assert healthie_appointment(loser).start == loser.start


def test_double_submitted_reschedule_changes_once(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    first = manager.confirm(review)
    second = manager.confirm(review)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    booking.refresh_from_db()
    assert (booking.reschedule_count, booking.sequence) == (1, 1)
    assert booking.changes.count() == 1


def test_concurrent_double_clicks_reschedule_once(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    token = hidden(review.content.decode(), "form_token")

    def click(_):
        response = Manager(booking, client=Client()).post(
            "reschedule/confirm/", {"form_token": token}
        )
        return response.status_code, response["Location"]

    outcomes = run_threads(6, click)
    assert set(outcomes) == {outcomes[0]} and "changed=rescheduled" in outcomes[0][1], outcomes
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot)
    assert (booking.reschedule_count, booking.sequence, booking.changes.count()) == (1, 1, 1)


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1)
def test_lost_answer_is_settled_by_reading_the_appointment_back(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    sandbox.fault(
        "healthie", "timeout", operation="updateAppointment", when="after", timeout_seconds=3
    )
    response = manager.confirm(review)
    assert response.status_code == 302 and "changed=rescheduled" in response["Location"]
    change = booking.changes.get()
    assert (change.state, change.reason) == ("done", "settled_found")
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot) and booking.sequence == 1
    assert update_calls(sandbox) == 1  # read back, never resent
    # Resubmitting afterwards changes nothing.
    again = manager.confirm(review)
    assert again["Location"] == response["Location"]
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1


def lose_the_answer_and_the_read_back(sandbox) -> None:
    """The update happens but its answer is lost; Healthie answers the read before it, then no
    read until the test clears the faults (so the change stays unknown)."""
    sandbox.fault(
        "healthie", "timeout", operation="updateAppointment", when="after", timeout_seconds=3
    )
    sandbox.fault("healthie", "http_500", operation="appointment", skip=1, count=None)


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1, HEALTHIE_MAX_RETRIES=0)
def test_lost_answer_that_cannot_be_checked_yet_is_settled_later(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    lose_the_answer_and_the_read_back(sandbox)
    response = manager.confirm(review)
    content = text(response)
    assert response.status_code == 202
    assert "We're not sure yet" in content
    assert hidden(response.content.decode(), "form_token") == hidden(
        review.content.decode(), "form_token"
    )
    change = booking.changes.get()
    assert change.state == BookingChange.State.UNKNOWN
    booking.refresh_from_db()
    assert booking.sequence == 0  # the mirror waits for Healthie's word

    # Healthie answers again: the manage page settles it (it happened) without resending.
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    page = text(manager.page())
    change.refresh_from_db()
    assert (change.state, change.reason) == ("done", "settled_found")
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot)
    assert (booking.reschedule_count, booking.sequence) == (1, 1)
    assert "The clinic has changed this appointment" not in page  # it was the patient's change
    assert update_calls(sandbox) == 1


def test_healthie_down_at_confirm_keeps_the_choice(pages, sandbox):
    booking = book()
    old_start = booking.start
    manager = Manager(booking)
    review, slot = manager.to_review()
    sandbox.fault("healthie", "http_500", operation="updateAppointment", count=None)
    response = manager.confirm(review)
    content = text(response)
    assert response.status_code == 503
    assert "Not changed yet" in content and "couldn't reach the clinic's scheduling system" in (
        content
    )
    assert hidden(response.content.decode(), "form_token") == hidden(
        review.content.decode(), "form_token"
    )
    change = booking.changes.get()
    assert (change.state, change.reason) == ("failed", "not_changed")  # read back: not moved
    booking.refresh_from_db()
    assert booking.start == old_start
    assert SlotHold.objects.filter(start=datetime.fromisoformat(slot)).exists()  # still held

    # Healthie is back: the same button moves it, once.
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = manager.confirm(review)
    assert again.status_code == 302 and "changed=rescheduled" in again["Location"]
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot)
    assert booking.changes.count() == 1 and booking.reschedule_count == 1
    assert healthie_appointment(booking).start == booking.start


def test_healthie_fully_down_at_confirm_is_a_clear_error(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, _ = manager.to_review()
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    with override_settings(HEALTHIE_MAX_RETRIES=0):
        response = manager.confirm(review)
    assert response.status_code == 503
    assert "Not changed yet" in text(response)
    assert not sandbox.calls(vendor="healthie", operation="updateAppointment")
    change = booking.changes.get()
    assert (change.state, change.reason) == ("failed", "healthie_unavailable")


def test_healthie_down_while_choosing_a_time_is_a_clear_error(pages, sandbox):
    manager = Manager(book())
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    with override_settings(HEALTHIE_MAX_RETRIES=0):
        response = manager.calendar()
    assert response.status_code == 503
    assert "We can't load times right now" in text(response)


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1, HEALTHIE_MAX_RETRIES=0)
def test_the_beat_sweeper_settles_a_lost_change_nobody_looks_at(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, slot = manager.to_review()
    lose_the_answer_and_the_read_back(sandbox)
    assert manager.confirm(review).status_code == 202
    change = booking.changes.get()
    assert change.state == BookingChange.State.UNKNOWN
    assert settle_unknown_changes() == 0  # too fresh: the patient's page may still settle it
    sandbox.http.delete("/_sandbox/faults").raise_for_status()

    BookingChange.objects.filter(pk=change.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert settle_unknown_changes() == 1
    change.refresh_from_db()
    assert (change.state, change.reason) == ("done", "settled_found")
    booking.refresh_from_db()
    assert booking.start == datetime.fromisoformat(slot)
    assert update_calls(sandbox) == 1
