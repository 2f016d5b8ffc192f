"""Provisioning through the real pieces: Redis as the broker and a Celery worker process.

A confirmed booking's tasks travel through Redis to a worker, which provisions against the
sandboxes. Then a worker is killed (SIGKILL) in the middle of a task: its late-acknowledged
message comes back from Redis to a fresh worker, which finishes the part without creating a
second room.
Workers come from the shared `celery_worker` fixture (tests/conftest.py).
"""

import signal
import time

import pytest

from scheduling.models import Provision
from scheduling.provisioning import services as provisioning_services

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def start_provisioning(booking) -> list[int]:
    ids = provisioning_services.provisioning_start(
        booking_id=booking.id
    )  # autocommit: sent at once
    assert ids
    return ids


def test_a_worker_provisions_through_redis(booked, plan, sandbox, celery_worker):
    rooms = sandbox.configure("betterpt")["rooms"]
    celery_worker()
    ids = start_provisioning(booked())
    wait_for(lambda: all(Provision.objects.get(id=i).settled for i in ids))
    assert {Provision.objects.get(id=i).status for i in ids} == {Provision.Status.READY}
    assert sandbox.configure("betterpt")["rooms"] == rooms + 1


def test_a_worker_killed_mid_task_converges_to_one_room(
    booked,
    plan,
    sandbox,
    celery_worker,
):
    rooms = sandbox.configure("betterpt")["rooms"]
    # The room is made, then the worker hangs writing its link to Healthie and is killed there.
    sandbox.fault("healthie", "latency", operation="updateAppointment", latency_ms=4000, count=1)
    first = celery_worker()
    ids = start_provisioning(booked())
    room_id = next(i for i in ids if Provision.objects.get(id=i).part == "betterpt_room")
    wait_for(lambda: Provision.objects.get(id=room_id).external_id)
    time.sleep(0.5)  # the worker went straight on to Healthie, where it now waits 4 s
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert not Provision.objects.get(id=room_id).settled

    celery_worker()
    wait_for(lambda: Provision.objects.get(id=room_id).settled, seconds=60)
    room = Provision.objects.get(id=room_id)
    assert room.status == Provision.Status.READY and room.written_to_healthie
    assert sandbox.configure("betterpt")["rooms"] == rooms + 1
