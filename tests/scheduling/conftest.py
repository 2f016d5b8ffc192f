"""Booking flow tests: real PostgreSQL, the real sandbox over HTTP, Django's test client."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.models import AppointmentTypePlan, Booking, BookingPage, ProviderVideoRoute
from tests.scheduling.html import Page

ORIGIN = "http://testserver"
VIDEO = "Healthie Video Call"
NEW_YORK = "America/New_York"

# How far ahead tests book and move appointments by default: past every clinic's minimum notice
# and cancellation window (24 hours at most in the demo seed), whatever the pinned instant.
DAYS_AHEAD = 4


def days_ahead(days: int, tz: str = NEW_YORK) -> date:
    """The clinic's date `days` days after today (on the test's pinned clock)."""
    return timezone.now().astimezone(ZoneInfo(tz)).date() + timedelta(days=days)


def hidden(content, name: str) -> str:
    """The value of the page's (first) hidden input named `name`."""
    return Page(content).hidden(name)


def day_buttons(content) -> list:
    """The calendar's day buttons (each submits `day`), named with the full date."""
    return Page(content).buttons(name="day")


def open_days(content) -> list[str]:
    return [b.value for b in day_buttons(content) if not b.disabled]


def times(content) -> list[tuple[str, str]]:
    """(value, accessible name) of each time button (each submits `slot`)."""
    return [(b.value, b.accessible_name) for b in Page(content).buttons(name="slot")]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pages(db):
    call_command("seed_demo", verbosity=0)
    return {p.slug: p for p in BookingPage.objects.all()}


@dataclass
class Patient:
    """One browser going through the booking pages (no cookies needed, none kept)."""

    slug: str = "riverside"
    tz: str = NEW_YORK
    client: Client = field(default_factory=Client)
    details: dict = field(
        default_factory=lambda: {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada.lovelace@example.com",
            "phone": "555-123-4567",
        }
    )

    def get(self, path: str, params: dict | None = None, **headers):
        url = f"{path}?{urlencode(params)}" if params else path
        return self.client.get(url, **headers)

    def post(self, path: str, data: dict, **headers):
        headers.setdefault("HTTP_ORIGIN", ORIGIN)
        return self.client.post(path, data, **headers)

    def flow_params(self, type_id="301", contact=VIDEO, provider="101", **extra) -> dict:
        return {"type": type_id, "contact": contact, "provider": provider, "tz": self.tz, **extra}

    def calendar(self, **params):
        return self.get(f"/book/{self.slug}/calendar/", self.flow_params(**params))

    def open_days_from(self, earliest: date, count: int = 1, **params) -> list[str]:
        """At least `count` open days on or after `earliest`, from up to three months' calendars."""
        month, days = earliest.replace(day=1), []
        for _ in range(3):
            calendar = self.calendar(month=month.strftime("%Y-%m"), **params)
            assert calendar.status_code == 200, calendar.content[:500]
            days += [d for d in open_days(calendar.content.decode()) if d >= earliest.isoformat()]
            if len(days) >= count:
                return days
            month = (month + timedelta(days=32)).replace(day=1)
        raise AssertionError(f"fewer than {count} open days from {earliest}: {days}")

    def times_page(self, day: str | None = None, **params):
        if day is None:
            response = self.calendar(**params)
            assert response.status_code == 200, response.content[:500]
            day = open_days(response.content.decode())[0]
        return self.get(f"/book/{self.slug}/times/", self.flow_params(day=day, **params))

    def hold(self, times_response, slot: str | None = None):
        content = times_response.content.decode()
        slot = slot or times(content)[0][0]
        data = Page(content).form(action=f"/book/{self.slug}/hold/").hidden_fields()
        data["slot"] = slot
        return self.post(f"/book/{self.slug}/hold/", data), slot

    def details_page(self, hold_response):
        assert hold_response.status_code == 302, hold_response.content[:500]
        return self.client.get(hold_response["Location"])

    def submit_details(self, details_response, **overrides):
        token = hidden(details_response.content.decode(), "details_token")
        data = {"details_token": token, **self.details, **overrides}
        return self.post(f"/book/{self.slug}/details/", data)

    def confirm(self, review_response):
        token = hidden(review_response.content.decode(), "confirm_token")
        return self.post(f"/book/{self.slug}/confirm/", {"confirm_token": token})

    def to_review(self, **params):
        """Calendar -> first open day -> first time -> hold -> details -> review."""
        times_response = self.times_page(**params)
        hold_response, slot = self.hold(times_response)
        details = self.details_page(hold_response)
        assert details.status_code == 200, details.content[:500]
        review = self.submit_details(details)
        assert review.status_code == 200, review.content[:500]
        return review, slot


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def patient(pages, sandbox):
    return Patient()


def day_of(times_response) -> str:
    return query_of(times_response.wsgi_request.get_full_path())["day"]


def appointments_at(start: datetime, provider_id: str = "101") -> list:
    with HealthieClient() as client:
        found = client.appointments(
            provider_id=provider_id,
            start=start - timedelta(minutes=1),
            end=start + timedelta(minutes=1),
        )
    return [a for a in found if a.start == start]


def run_threads(count: int, work):
    barrier = threading.Barrier(count)

    def run(index):
        try:
            barrier.wait(timeout=30)
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# --- provisioning -----------------------------------------------------------------------------


@pytest.fixture
def booked(sandbox, db):
    """A booking confirmed in Healthie (through the client) and mirrored locally."""

    def book(type_id: str = "302", email: str = "grace.hopper@example.com") -> Booking:
        with HealthieClient() as healthie:
            # Days ahead, whatever the pinned instant: no notice or cancellation window applies.
            start = healthie.next_available_slot(
                appointment_type_id=type_id,
                provider_id="101",
                not_before=days_ahead(DAYS_AHEAD),
            )
            appointment = healthie.complete_checkout(
                appointment_type_id=type_id,
                contact_type="Healthie Video Call",
                start=start,
                timezone="America/Chicago",
                provider_id="101",
                first_name="Grace",
                last_name="Hopper",
                email=email,
                phone_number="5551234567",
            )
        return Booking.objects.create(
            idempotency_key=f"key-{appointment.id}",
            status=Booking.Status.CONFIRMED,
            provider_id="101",
            provider_name="Maya Chen",
            appointment_type_id=type_id,
            appointment_type_name="Video Follow-up",
            contact_type="Healthie Video Call",
            start=start,
            end=start + timedelta(minutes=30),
            patient_timezone="America/Chicago",
            first_name="Grace",
            last_name="Hopper",
            email=email,
            phone="5551234567",
            healthie_appointment_id=appointment.id,
            healthie_patient_id=appointment.patient_id,
        )

    return book


@pytest.fixture
def plan(db):
    plan, _ = AppointmentTypePlan.objects.update_or_create(
        appointment_type_id="302",
        defaults={
            "video": AppointmentTypePlan.Video.BETTERPT,
            "semble_questionnaire_token": "intake-form",
        },
    )
    return plan


@pytest.fixture
def exam_plan(db, sandbox):
    """Type 301: an HCW@Home teleconsultation with Maya Chen plus a Qualiphy exam."""
    ProviderVideoRoute.objects.create(
        provider_id="101", hcw_doctor_email="dr.maya.chen@hcw.example"
    )
    return AppointmentTypePlan.objects.create(
        appointment_type_id="301", video=AppointmentTypePlan.Video.HCW, qualiphy_exam_ids=[4226]
    )


@pytest.fixture
def exam_booking(booked):
    def book() -> Booking:
        booking = booked(type_id="301")
        booking.date_of_birth = date(1990, 5, 17)
        booking.patient_state = "TE"  # Qualiphy's test mode
        booking.gender = "female"  # HCW@Home requires it (the details form asks for it)
        booking.save()
        return booking

    return book
