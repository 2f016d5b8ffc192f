"""Staff changed it in Healthie: the manage page refreshes the local mirror."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking
from tests.scheduling.conftest import NEW_YORK
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import (
    Manager,
    book,
    staff_move,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_moved_it_in_healthie(pages, sandbox, follow):
    booking = book()
    old_start = booking.start
    new_start = old_start + timedelta(days=1, hours=1)
    staff_move(booking, new_start)
    page = Manager(booking).page()
    content = text(page)
    assert "The clinic has changed this appointment" in content
    local = new_start.astimezone(ZoneInfo(NEW_YORK))
    assert f"{local:%B} {local.day}, {local.year}, {local.hour % 12 or 12}:{local:%M}" in content
    booking.refresh_from_db()
    assert (booking.start, booking.sequence, booking.reschedule_count) == (new_start, 1, 0)
    [change] = booking.changes.all()
    assert (change.kind, change.by, change.state, change.reason) == (
        "reschedule", "healthie", "done", "moved_in_healthie",
    )  # fmt: skip
    assert (change.old_start, change.new_start) == (old_start, new_start)
    assert follow == [{"booking_id": booking.pk, "change": "rescheduled"}]
    # Seen once: the next visit records nothing new.
    Manager(booking).page()
    assert booking.changes.count() == 1


def test_staff_cancelled_it_in_healthie(pages, sandbox, follow):
    booking = book()
    with HealthieClient() as client:
        client.cancel_appointment(booking.healthie_appointment_id)
    content = text(Manager(booking).page())
    assert "This appointment is cancelled" in content
    assert "Book a new appointment" in content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.sequence == 1
    change = booking.changes.get()
    assert (change.kind, change.by, change.reason) == (
        "cancel",
        "healthie",
        "cancelled_in_healthie",
    )
    assert follow == [{"booking_id": booking.pk, "change": "cancelled"}]


def test_staff_deleted_it_in_healthie(pages, sandbox):
    booking = book()
    with HealthieClient() as client:
        client.delete_appointment(booking.healthie_appointment_id)
    content = text(Manager(booking).page())
    assert "This appointment is cancelled" in content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.changes.get().reason == "deleted_in_healthie"


def test_manage_page_with_healthie_down_shows_the_mirror(pages, sandbox):
    booking = book()
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    page = Manager(booking).page()
    content = text(page)
    assert page.status_code == 200
    assert "We couldn't check with the clinic just now" in content
    assert "Maya Chen" in content
    assert not Page(content).links("Reschedule")
    assert not Page(content).links("Cancel appointment")
