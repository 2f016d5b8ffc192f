"""Provisioning follows the appointment: a reschedule moves the video room or invite (a new one
when BetterPT's session has started or the patient accepted the HCW@Home invite) and updates
the link on the Healthie appointment; a cancel cancels the room, deletes the invite and cancels
open Qualiphy exams; a restored booking is provisioned again. Exactly once, as provisioning."""

from datetime import timedelta

import pytest

from config.celery import app as celery_app
from integrations.betterpt.client import BetterPTClient
from integrations.hcw.client import HCWClient
from integrations.healthie.client import HealthieClient
from scheduling.manage import services as manage_services
from scheduling.models import Booking, Provision
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part, provision_sync_part


def provision(booking, capture) -> dict:
    with capture(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    return parts_of(booking)


def follow(booking, capture) -> dict:
    with capture(execute=False):
        ids = provisioning_services.provisioning_follow(booking_id=booking.id)
    for provision_id in ids:
        provision_sync_part.apply(args=[provision_id])
    return parts_of(booking)


def parts_of(booking) -> dict:
    return {p.part: p for p in Provision.objects.filter(booking=booking)}


def move(booking: Booking, minutes: int = 60) -> None:
    booking.start += timedelta(minutes=minutes)
    booking.end += timedelta(minutes=minutes)
    booking.save()


def healthie_link(booking) -> str | None:
    with HealthieClient() as healthie:
        return healthie.appointment(booking.healthie_appointment_id).external_videochat_url


def rooms(sandbox) -> dict:
    return {r["uid"]: r for r in sandbox.configure("betterpt")["room_list"]}


def test_a_reschedule_moves_the_room(booked, plan, sandbox, django_capture_on_commit_callbacks):
    booking = booked()
    room = provision(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    before = rooms(sandbox)
    move(booking)
    room = follow(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.READY
    assert set(rooms(sandbox)) == set(before)  # the same room, moved
    with BetterPTClient() as betterpt:
        assert betterpt.video_room(room.external_id).start == booking.start
    assert healthie_link(booking) == room.details["provider_url"]


def test_a_started_room_is_replaced_and_the_new_link_reaches_healthie(
    booked, plan, sandbox, django_capture_on_commit_callbacks
):
    booking = booked()
    old = provision(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    sandbox.set_clock((booking.start + timedelta(minutes=5)).isoformat())  # the session started
    move(booking, minutes=24 * 60)
    new = follow(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    assert new.status == Provision.Status.READY and new.external_id != old.external_id
    assert "replaced" not in new.details
    assert new.external_id in rooms(sandbox)
    assert healthie_link(booking) == new.details["provider_url"] != old.details["provider_url"]


def test_an_hcw_invite_is_moved_or_replaced_once_accepted(
    exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    booking = exam_booking()
    first = provision(booking, django_capture_on_commit_callbacks)[Provision.Part.HCW_INVITE]
    move(booking)
    moved = follow(booking, django_capture_on_commit_callbacks)[Provision.Part.HCW_INVITE]
    assert moved.external_id == first.external_id
    with HCWClient() as hcw:
        assert hcw.get_invite(moved.external_id).scheduled_for == booking.start

    sandbox.configure("hcw", accept=moved.external_id)  # the patient opened the link
    move(booking)
    replaced = follow(booking, django_capture_on_commit_callbacks)[Provision.Part.HCW_INVITE]
    assert replaced.status == Provision.Status.READY
    assert replaced.external_id != moved.external_id
    with HCWClient() as hcw:
        assert hcw.get_invite(moved.external_id) is None  # revoked
        assert hcw.get_invite(replaced.external_id).scheduled_for == booking.start
    assert healthie_link(booking) == replaced.details["provider_url"]


def test_a_cancel_cancels_room_invite_and_exams_and_a_restore_provisions_again(
    booked, plan, exam_booking, exam_plan, sandbox, django_capture_on_commit_callbacks
):
    video = booked()
    exams = exam_booking()
    provision(video, django_capture_on_commit_callbacks)
    invite = provision(exams, django_capture_on_commit_callbacks)[Provision.Part.HCW_INVITE]
    cancelled_before = sandbox.configure("qualiphy")["counts"]["cancelled"]

    for booking in (video, exams):
        booking.status = Booking.Status.CANCELLED
        booking.save()
        parts = follow(booking, django_capture_on_commit_callbacks)
        assert {p.status for p in parts.values()} == {Provision.Status.CANCELLED}

    room = parts_of(video)[Provision.Part.BETTERPT_ROOM]
    assert rooms(sandbox)[room.external_id]["status"].lower() == "cancelled"
    with HCWClient() as hcw:
        assert hcw.get_invite(invite.external_id) is None
    assert sandbox.configure("qualiphy")["counts"]["cancelled"] == cancelled_before + 1

    # Staff took the cancellation back in Healthie: everything is provisioned afresh.
    video.status = Booking.Status.CONFIRMED
    video.save()
    follow(video, django_capture_on_commit_callbacks)  # parts back to pending
    for part in parts_of(video).values():
        provision_part.apply(args=[part.id])
    restored = parts_of(video)
    assert {p.status for p in restored.values()} == {Provision.Status.READY}
    assert restored[Provision.Part.BETTERPT_ROOM].external_id != room.external_id


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset"])
def test_moving_a_room_converges_once_a_fault_clears(
    booked, plan, sandbox, django_capture_on_commit_callbacks, settings, kind
):
    settings.VENDOR_TIMEOUT_SECONDS = 0.5
    booking = booked()
    provision(booking, django_capture_on_commit_callbacks)
    count = len(rooms(sandbox))
    move(booking)
    sandbox.fault(
        "betterpt", kind, operation="reschedulePartnerVideoRoom", count=2, timeout_seconds=1
    )
    room = follow(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.READY
    assert len(rooms(sandbox)) == count
    with BetterPTClient() as betterpt:
        assert betterpt.video_room(room.external_id).start == booking.start


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_patient_cancel_through_the_manage_service_cancels_the_room(
    booked, plan, sandbox, django_capture_on_commit_callbacks, eager_celery
):
    booking = booked()
    room = provision(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    with django_capture_on_commit_callbacks(execute=True):
        manage_services.booking_cancel(booking=booking, idempotency_key="cancel-1")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    room.refresh_from_db()
    assert room.status == Provision.Status.CANCELLED
    assert rooms(sandbox)[room.external_id]["status"].lower() == "cancelled"
