"""`manage.py healthie_webhook` registers the app's webhook through Healthie's API, stores the
secret Healthie generated, rotates it, and deliveries signed with it are accepted."""

import io
import time
from datetime import timedelta

import pytest
from django.core.management import call_command

from scheduling.models import HealthieEvent, HealthieWebhook, SyncStatus
from scheduling.sync import selectors

pytestmark = pytest.mark.django_db


def register(*args) -> str:
    out = io.StringIO()
    call_command("healthie_webhook", *args, stdout=out)
    return out.getvalue()


def test_registration_is_idempotent_and_rotation_keeps_the_old_secret_for_a_while(
    staff, sandbox, settings, pinned_clock
):
    settings.SITE_URL = "https://clinic.example"
    said = register()
    [hook] = staff.webhooks()
    assert hook.url == "https://clinic.example/webhooks/healthie/"
    assert set(hook.event_types) == {
        "APPOINTMENT_CREATED",
        "APPOINTMENT_UPDATED",
        "APPOINTMENT_DELETED",
    }
    row = HealthieWebhook.objects.get()
    assert (row.healthie_id, row.secret) == (hook.id, hook.signature_secret)
    assert "created" in said and hook.signature_secret not in said  # never printed

    assert "unchanged" in register()
    assert [w.id for w in staff.webhooks()] == [hook.id]

    register("--url", "https://clinic.example/proxy/webhooks/healthie/")
    assert staff.webhooks()[0].url == "https://clinic.example/proxy/webhooks/healthie/"

    assert "rotated" in register("--rotate")
    [rotated] = staff.webhooks()
    row.refresh_from_db()
    assert rotated.signature_secret != hook.signature_secret == row.previous_secret
    assert row.secret == rotated.signature_secret
    assert set(selectors.webhook_secrets()) >= {hook.signature_secret, rotated.signature_secret}
    pinned_clock.move_to(row.rotated_at + timedelta(days=2))
    assert hook.signature_secret not in selectors.webhook_secrets()


@pytest.mark.django_db(transaction=True)
def test_deliveries_signed_with_the_registered_secret_are_accepted(
    booked, staff, sandbox, live_server, settings
):
    settings.HEALTHIE_WEBHOOK_SECRET = ""  # only the registered webhook's secret
    register("--url", f"{live_server.url}/webhooks/healthie/")
    booking = booked()
    staff.update_appointment(id=booking.healthie_appointment_id, pm_status="Occurred")
    deadline = time.monotonic() + 20
    while any(
        d["status"] == "pending" for d in sandbox.configure("healthie")["webhook_deliveries"]
    ):
        assert time.monotonic() < deadline, "deliveries still pending"
        time.sleep(0.1)
    deliveries = sandbox.configure("healthie")["webhook_deliveries"]
    assert len(deliveries) == 2  # appointment.created, then .updated
    assert [d["status"] for d in deliveries] == ["delivered"] * len(deliveries)
    assert {d["last_status_code"] for d in deliveries} == {202}
    assert HealthieEvent.objects.filter(resource_id=booking.healthie_appointment_id).exists()
    assert SyncStatus.objects.get().last_delivery_at is not None
