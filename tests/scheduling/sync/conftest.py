"""Fixtures for the Healthie sync tests: signed deliveries, the staff's Healthie client, an
eager Celery (for in-process tests; the worker test starts a real one) and provisioned
bookings."""

import json

import pytest

from config.celery import app as celery_app
from integrations.healthie.client import HealthieClient
from integrations.healthie.sandbox.app import signed_headers
from scheduling.models import Provision
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part

SECRET = "whsec_sync-tests"
WEBHOOK_PATH = "/webhooks/healthie/"


@pytest.fixture
def webhook_secret(settings):
    settings.HEALTHIE_WEBHOOK_SECRET = SECRET
    return SECRET


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def staff(sandbox):
    """Healthie with the clinic's staff key, as staff use it directly."""
    with HealthieClient() as client:
        yield client


PATIENT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone_number": "5550001111",
}


def book_in_healthie(staff: HealthieClient, start, **patient):
    """A Video Follow-up with provider 101 at `start`, booked through Healthie's own checkout
    as another booking tool would (not through this app)."""
    return staff.complete_checkout(
        appointment_type_id="302",
        contact_type="Healthie Video Call",
        start=start,
        timezone="America/New_York",
        provider_id="101",
        **{**PATIENT, **patient},
    )


def event_body(event_type: str, resource_id: str, changed=("date",)) -> bytes:
    return json.dumps(
        {
            "resource_id": resource_id,
            "resource_id_type": "Appointment",
            "event_type": event_type,
            "changed_fields": list(changed),
        }
    ).encode()


@pytest.fixture
def deliver(client, webhook_secret):
    """POST a delivery signed as Healthie signs it (the sandbox's signer) to the app."""

    def post(body: bytes, *, headers: dict | None = None, path: str = WEBHOOK_PATH):
        if headers is None:
            headers = signed_headers(webhook_secret, "POST", path, "", body)
        return client.post(path, body, content_type="application/json", headers=headers)

    return post


@pytest.fixture
def provisioned(booked, plan, django_capture_on_commit_callbacks):
    """A confirmed booking of the planned type with its BetterPT room and questionnaire."""

    def make():
        booking = booked()
        with django_capture_on_commit_callbacks(execute=False):
            ids = provisioning_services.provisioning_start(booking_id=booking.id)
        for provision_id in ids:
            provision_part.apply(args=[provision_id])
        room = Provision.objects.get(booking=booking, part=Provision.Part.BETTERPT_ROOM)
        assert room.status == Provision.Status.READY
        return booking, room

    return make


def rooms(sandbox) -> dict:
    return {r["uid"]: r for r in sandbox.configure("betterpt")["room_list"]}
