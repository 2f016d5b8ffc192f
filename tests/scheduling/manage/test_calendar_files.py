"""The calendar file and the Google Calendar link follow the booking's changes."""

from datetime import datetime

import pytest
from django.test import Client
from icalendar import Calendar

from tests.scheduling.manage.helpers import (
    Manager,
    book,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_ics_keeps_its_uid_and_raises_its_sequence(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    ics_url = f"/book/riverside/booked/{booking.reference}/calendar.ics"

    def event():
        response = manager.client.get(ics_url)
        assert response.status_code == 200
        [found] = Calendar.from_ical(response.content).walk("VEVENT")
        return found

    before = event()
    assert int(before["SEQUENCE"]) == 0
    manage_link = f"http://testserver/manage/{booking.manage_token}/"
    assert manage_link in str(before["DESCRIPTION"])
    assert str(before["URL"]) == manage_link

    response, slot = manager.reschedule()
    assert response.status_code == 302
    moved = event()
    assert str(moved["UID"]) == str(before["UID"]) == f"{booking.reference}@testserver"
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == datetime.fromisoformat(slot)
    assert str(moved["STATUS"]) == "CONFIRMED"

    cancelled = manager.cancel()
    assert cancelled.status_code == 302
    gone = event()
    assert str(gone["UID"]) == str(before["UID"])
    assert int(gone["SEQUENCE"]) == 2
    assert str(gone["STATUS"]) == "CANCELLED"
    # The Google Calendar link carries the manage link too.
    page = text(manager.client.get(f"/book/riverside/booked/{booking.reference}/"))
    assert "Your appointment is cancelled" in page


def test_google_calendar_link_has_the_manage_link(pages, sandbox):
    booking = book()
    page = Client().get(f"/book/riverside/booked/{booking.reference}/").content.decode()
    assert f"manage%2F{booking.manage_token}%2F" in page
