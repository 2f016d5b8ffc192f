"""Helpers of the manage tests: a booking made through the pages and the patient on its link.

The manage tests reschedule and cancel through the real pages, against the sandbox over HTTP.
Bookings are made through the booking pages (tests.scheduling.conftest.Patient) at least a few
days ahead, so the clinic's minimum notice (24 hours for Maya Chen) never decides a happy path
by accident; staff changes are made with the Healthie client, as the front desk would in Healthie.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking
from tests.scheduling.conftest import (
    DAYS_AHEAD,
    NEW_YORK,
    ORIGIN,
    VIDEO,
    Patient,
    days_ahead,
    hidden,
    open_days,
    query_of,
    times,
)
from tests.scheduling.html import Page

RESCHEDULE_MESSAGE = "Please contact the clinic to reschedule this appointment."
CANCEL_MESSAGE = "Please contact the clinic to cancel this appointment."


def book(
    *, provider: str = "101", type_id: str = "301", contact: str = VIDEO, ahead: int = DAYS_AHEAD,
    email: str = "ada.lovelace@example.com", skip: int = 0,
) -> Booking:  # fmt: skip
    """Book through the pages: the first open time at least `ahead` days from today
    (`skip` later days are passed over, so two bookings can land on different days)."""
    patient = Patient()
    patient.details = {**patient.details, "email": email}
    params = {"type_id": type_id, "contact": contact, "provider": provider}
    days = patient.open_days_from(days_ahead(ahead), skip + 1, **params)
    times_response = patient.times_page(days[skip], **params)
    hold, _ = patient.hold(times_response)
    review = patient.submit_details(patient.details_page(hold))
    booked = patient.confirm(review)
    assert booked.status_code == 302 and "/booked/" in booked["Location"], booked.content[:500]
    reference = booked["Location"].rstrip("/").rsplit("/", 1)[-1]
    booking = Booking.objects.get(reference=reference)
    assert booking.status == Booking.Status.CONFIRMED
    return booking


@dataclass
class Manager:
    """The patient on their manage link, in a browser with no cookies."""

    booking: Booking
    tz: str = NEW_YORK
    client: Client = field(default_factory=Client)

    @property
    def base(self) -> str:
        return f"/manage/{self.booking.manage_token}/"

    def get(self, step: str = "", params: dict | None = None, **headers):
        return self.client.get(self.base + step, params or {}, **headers)

    def post(self, step: str, data: dict, **headers):
        headers.setdefault("HTTP_ORIGIN", ORIGIN)
        return self.client.post(self.base + step, data, **headers)

    def page(self):
        return self.get()

    def calendar(self, **params):
        return self.get("reschedule/", {"tz": self.tz, **params})

    def open_days(self) -> list[str]:
        """Open days from the calendar's first month and the next one."""
        first = self.calendar()
        assert first.status_code == 200, first.content[:500]
        found = open_days(first.content.decode())
        month = query_of(first.wsgi_request.get_full_path()).get("month")
        following = Page(first).links(re.compile(r"^Next month\b"))
        if following:
            nxt = self.client.get(following[0]["href"])
            found += open_days(nxt.content.decode())
        assert found, month
        return found

    def times_page(self, day: str | None = None, **params):
        """Times of `day`, by default the first open day after the booking's own that is still
        outside every notice window (so the move, and a cancel after it, are allowed)."""
        if day is None:
            current = self.booking.start.astimezone(ZoneInfo(self.tz)).date().isoformat()
            earliest = days_ahead(DAYS_AHEAD - 1, self.tz).isoformat()
            day = next(d for d in self.open_days() if d != current and d >= earliest)
        return self.get("reschedule/times/", {"tz": self.tz, "day": day, **params})

    def hold(self, times_response, slot: str | None = None):
        content = times_response.content.decode()
        assert times_response.status_code in (200, 409), content[:500]
        slot = slot or times(content)[0][0]
        data = Page(content).form(action=f"{self.base}reschedule/hold/").hidden_fields()
        return self.post("reschedule/hold/", {**data, "slot": slot}), slot

    def review(self, hold_response):
        assert hold_response.status_code == 302, hold_response.content[:500]
        assert "/reschedule/review/" in hold_response["Location"], hold_response["Location"]
        return self.client.get(hold_response["Location"])

    def confirm(self, review_response):
        token = hidden(review_response.content.decode(), "form_token")
        return self.post("reschedule/confirm/", {"form_token": token})

    def to_review(self, day: str | None = None, slot: str | None = None):
        hold, slot = self.hold(self.times_page(day), slot)
        review = self.review(hold)
        assert review.status_code == 200, review.content[:500]
        return review, slot

    def reschedule(self, day: str | None = None, slot: str | None = None):
        review, slot = self.to_review(day, slot)
        return self.confirm(review), slot

    def cancel_page(self):
        return self.get("cancel/")

    def cancel(self, reason: str = "", page=None):
        page = page or self.cancel_page()
        assert page.status_code == 200, page.content[:500]
        token = hidden(page.content.decode(), "form_token")
        return self.post("cancel/", {"form_token": token, "reason": reason})


def healthie_appointment(booking: Booking):
    with HealthieClient() as client:
        return client.appointment(booking.healthie_appointment_id, include_deleted=True)


def staff_move(booking: Booking, start: datetime, *, enforce: bool = False):
    with HealthieClient() as client:
        return client.update_appointment(
            id=booking.healthie_appointment_id, start=start, enforce_availability=enforce or None
        )


def text(response) -> str:
    return html.unescape(response.content.decode())


def assert_refused(response, *messages: str):
    content = text(response)
    assert response.status_code == 403, content[:500]
    for message in messages:
        assert message in content
