"""POST /webhooks/healthie/: forged or altered deliveries are refused and change nothing; a
genuine one is answered at once and its change, read back from Healthie, reaches the mirror and
the provisioned parts. Celery runs eagerly here (test_worker.py has the real worker)."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core.cache import cache

from integrations.betterpt.client import BetterPTClient
from integrations.hcw.client import HCWClient
from integrations.healthie.sandbox.app import signed_headers
from scheduling.models import Booking, BookingChange, HealthieEvent, Provision, SyncStatus
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part
from scheduling.sync import services as sync_services
from tests.scheduling.sync.conftest import WEBHOOK_PATH, book_in_healthie, event_body, rooms

pytestmark = pytest.mark.django_db


def test_forged_and_altered_deliveries_get_4xx_and_change_nothing(
    deliver, provisioned, staff, webhook_secret
):
    booking, _ = provisioned()
    moved_to = booking.start + timedelta(days=1)
    staff.update_appointment(id=booking.healthie_appointment_id, start=moved_to)
    body = event_body("appointment.updated", booking.healthie_appointment_id)
    good = signed_headers(webhook_secret, "POST", WEBHOOK_PATH, "", body)
    digest = good["Content-Digest"].partition("=")[2]

    def signed_over(digest_value: str, length: int) -> dict:
        text = f"post {WEBHOOK_PATH}  {digest_value} application/json {length}"
        signature = hmac.new(webhook_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        return {"Content-Digest": f"sha-256={digest_value}", "Signature": f"sig1={signature}"}

    one_byte_changed = body.replace(b"appointment.updated", b"appointment.updatee")
    forged = {
        "wrong secret": (body, signed_headers("not-the-secret", "POST", WEBHOOK_PATH, "", body)),
        "body changed by one byte": (one_byte_changed, good),
        "digest without padding": (body, signed_over(digest.rstrip("="), len(body))),
        "path changed": (body, signed_headers(webhook_secret, "POST", "/webhooks/x/", "", body)),
        "length changed": (body, signed_over(digest, len(body) + 1)),
        "no signature": (body, {"Content-Digest": good["Content-Digest"]}),
        "no digest": (body, {"Signature": good["Signature"]}),
        "no headers": (body, {}),
    }
    for name, (sent, headers) in forged.items():
        response = deliver(sent, headers=headers)
        assert response.status_code == 401, name
    assert not HealthieEvent.objects.exists()
    booking.refresh_from_db()
    assert booking.start != moved_to and not booking.changes.exists()
    status = SyncStatus.objects.get()
    assert status.verification_failures == len(forged)
    assert status.last_delivery_at is None
    assert status.last_verification_failure == "missing_headers"


def test_a_signed_body_that_is_not_an_event_is_a_400(deliver):
    assert deliver(b"[1, 2").status_code == 400
    assert deliver(b'{"event_type": "appointment.updated"}').status_code == 400
    assert not HealthieEvent.objects.exists()


def test_the_webhook_never_redirects_and_takes_only_posts(deliver, client):
    body = event_body("patient.created", "101")
    assert deliver(body, path="/webhooks/healthie").status_code == 202  # no APPEND_SLASH hop
    assert client.get(WEBHOOK_PATH).status_code == 405
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.IGNORED


def test_a_staff_move_in_healthie_moves_the_mirror_and_the_room(
    deliver, provisioned, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    booking, room = provisioned()
    version_key = f"sched:provider-version:{booking.provider_id}"
    cache.set(version_key, 1.0, timeout=None)
    moved_to = booking.start + timedelta(days=1, hours=1)
    staff.update_appointment(id=booking.healthie_appointment_id, start=moved_to)
    body = event_body("appointment.updated", booking.healthie_appointment_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(body).status_code == 202
    assert cache.get(version_key) != 1.0  # the provider's cached times are dropped
    booking.refresh_from_db()
    assert booking.start == moved_to and booking.status == Booking.Status.CONFIRMED
    [change] = booking.changes.all()
    assert (change.by, change.kind, change.new_start) == (
        BookingChange.By.HEALTHIE,
        BookingChange.Kind.RESCHEDULE,
        moved_to,
    )
    assert change.get_by_display() == "The clinic (in Healthie)"
    room.refresh_from_db()
    with BetterPTClient() as betterpt:
        assert betterpt.video_room(room.external_id).start == moved_to
    event = HealthieEvent.objects.get()
    assert (event.outcome, event.booking_id) == (HealthieEvent.Outcome.APPLIED, booking.pk)

    # The same delivery again (Healthie retries, or a replay): nothing more happens.
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(body).status_code == 202
    assert booking.changes.count() == 1
    assert HealthieEvent.objects.latest("id").outcome in (
        HealthieEvent.Outcome.UNCHANGED,
        HealthieEvent.Outcome.ECHO,  # the room's new link was just written to Healthie
    )


def test_a_staff_cancel_or_delete_in_healthie_cancels_the_room(
    deliver, provisioned, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    for event_type, act in (
        ("appointment.updated", staff.cancel_appointment),
        ("appointment.deleted", staff.delete_appointment),
    ):
        booking, room = provisioned()
        act(booking.healthie_appointment_id)
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(event_body(event_type, booking.healthie_appointment_id))
            assert response.status_code == 202
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED, event_type
        room.refresh_from_db()
        assert room.status == Provision.Status.CANCELLED, event_type
        assert rooms(sandbox)[room.external_id]["status"].lower() == "cancelled"


def test_out_of_order_deliveries_converge_to_healthies_state(
    deliver, provisioned, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    booking, _ = provisioned()
    first, second = booking.start + timedelta(days=1), booking.start + timedelta(days=2)
    staff.update_appointment(id=booking.healthie_appointment_id, start=first)
    staff.update_appointment(id=booking.healthie_appointment_id, start=second)
    body = event_body("appointment.updated", booking.healthie_appointment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(body)
        deliver(body)
    booking.refresh_from_db()
    assert booking.start == second
    assert booking.changes.count() == 1  # straight to Healthie's current time


def test_an_appointment_booked_elsewhere_of_a_planned_type_is_mirrored_and_provisioned(
    deliver, plan, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    start = staff.next_available_slot(appointment_type_id="302", provider_id="101")
    # Another booking tool books through Healthie's public checkout.
    appointment = book_in_healthie(staff, start)
    body = event_body("appointment.created", appointment.id, changed=())
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(body).status_code == 202
        assert deliver(body).status_code == 202  # a replay mirrors nothing twice
    booking = Booking.objects.get(healthie_appointment_id=appointment.id)
    assert (booking.status, booking.start, booking.email) == (
        Booking.Status.CONFIRMED,
        start,
        "ada@example.com",
    )
    room = booking.provisions.get(part=Provision.Part.BETTERPT_ROOM)
    assert room.status == Provision.Status.READY
    assert staff.appointment(appointment.id).external_videochat_url == room.details["provider_url"]
    outcomes = list(HealthieEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[0] == HealthieEvent.Outcome.MIRRORED
    assert outcomes[1] != HealthieEvent.Outcome.MIRRORED
    assert Booking.objects.filter(healthie_appointment_id=appointment.id).count() == 1


def test_a_type_without_a_plan_or_with_the_switch_off_is_not_mirrored(
    deliver, plan, staff, sandbox, eager_celery, django_capture_on_commit_callbacks
):
    plan.provision_booked_elsewhere = False
    plan.save()
    start = staff.next_available_slot(appointment_type_id="302", provider_id="101")
    appointment = book_in_healthie(staff, start)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event_body("appointment.created", appointment.id, changed=()))
    assert not Booking.objects.exists()
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.IGNORED


def test_a_staff_move_then_cancel_moves_the_hcw_invite_then_cancels_invite_and_exams(
    deliver, exam_booking, exam_plan, staff, sandbox, eager_celery,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    booking = exam_booking()
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    invite = booking.provisions.get(part=Provision.Part.HCW_INVITE)
    assert invite.status == Provision.Status.READY
    cancelled_before = sandbox.configure("qualiphy")["counts"]["cancelled"]

    moved_to = booking.start + timedelta(days=1)
    staff.update_appointment(id=booking.healthie_appointment_id, start=moved_to)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event_body("appointment.updated", booking.healthie_appointment_id))
    with HCWClient() as hcw:
        assert hcw.get_invite(invite.external_id).scheduled_for == moved_to

    staff.cancel_appointment(booking.healthie_appointment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(event_body("appointment.updated", booking.healthie_appointment_id, ["pm_status"]))
    parts = {p.part: p.status for p in booking.provisions.all()}
    assert set(parts.values()) == {Provision.Status.CANCELLED}, parts
    with HCWClient() as hcw:
        assert hcw.get_invite(invite.external_id) is None
    assert sandbox.configure("qualiphy")["counts"]["cancelled"] == cancelled_before + 1


def test_a_delivery_that_cannot_be_queued_is_a_503_for_healthie_to_retry(deliver, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(sync_services, "enqueue", broker_down)
    response = deliver(event_body("appointment.updated", "50001"))
    assert response.status_code == 503
    assert HealthieEvent.objects.get().outcome == HealthieEvent.Outcome.FAILED
