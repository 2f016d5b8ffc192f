"""The whole loop through real parts: staff change an appointment in Healthie (the sandbox, with
the staff key); the sandbox POSTs its signed webhook over HTTP to the app (a live server);
the app verifies it and queues the event in Redis; a real Celery worker reads the appointment
back and moves or cancels the BetterPT room. Nobody opens a page of the app."""

import time
from datetime import timedelta

import pytest

from integrations.betterpt.client import BetterPTClient
from scheduling.models import Booking, HealthieEvent, Provision
from scheduling.provisioning import services as provisioning_services
from tests.scheduling.sync.conftest import book_in_healthie

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def room_of(booking) -> Provision:
    return Provision.objects.get(booking=booking, part=Provision.Part.BETTERPT_ROOM)


def test_staff_changes_in_healthie_reach_the_room_by_themselves(
    booked, plan, staff, sandbox, celery_worker, live_server, webhook_secret
):
    sandbox.configure(
        "healthie",
        webhook_url=f"{live_server.url}/webhooks/healthie/",
        webhook_secret=webhook_secret,
    )
    celery_worker()
    booking = booked()
    provisioning_services.provisioning_start(booking_id=booking.id)  # autocommit: queued now
    wait_for(lambda: room_of(booking).status == Provision.Status.READY)
    room = room_of(booking)

    # A staff move in Healthie moves the mirror and the room.
    moved_to = booking.start + timedelta(days=1, hours=2)
    staff.update_appointment(id=booking.healthie_appointment_id, start=moved_to)
    wait_for(lambda: Booking.objects.get(pk=booking.pk).start == moved_to)
    with BetterPTClient() as betterpt:
        wait_for(lambda: betterpt.video_room(room.external_id).start == moved_to)
    assert Booking.objects.get(pk=booking.pk).changes.get().get_by_display() == (
        "The clinic (in Healthie)"
    )

    # A staff cancel in Healthie cancels the room.
    staff.cancel_appointment(booking.healthie_appointment_id)
    wait_for(lambda: room_of(booking).status == Provision.Status.CANCELLED)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED

    # An appointment staff book directly in Healthie, of a planned type, is provisioned.
    start = staff.next_available_slot(appointment_type_id="302", provider_id="101")
    elsewhere = book_in_healthie(staff, start)
    wait_for(lambda: Booking.objects.filter(healthie_appointment_id=elsewhere.id).exists())
    mirrored = Booking.objects.get(healthie_appointment_id=elsewhere.id)
    wait_for(lambda: room_of(mirrored).status == Provision.Status.READY)

    # Every delivery accepted. The last ones (echoes of our own writes) may still be in flight,
    # and on a busy machine one may time out once and be retried, as Healthie does.
    def deliveries():
        return sandbox.configure("healthie")["webhook_deliveries"]

    wait_for(lambda: all(d["status"] != "pending" for d in deliveries()))
    assert deliveries() and all(
        (d["status"], d["last_status_code"]) == ("delivered", 202) for d in deliveries()
    )
    wait_for(lambda: not HealthieEvent.objects.filter(outcome="queued").exists())
    outcomes = set(HealthieEvent.objects.values_list("outcome", flat=True))
    assert {"applied", "mirrored", "echo"} <= outcomes  # echo: the links we wrote ourselves
