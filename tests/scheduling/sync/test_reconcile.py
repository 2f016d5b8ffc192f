"""Reconciliation repairs what the webhooks missed (the sandbox drops the delivery), with the same
effects as a webhook, and a second run finds nothing to do."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.betterpt.client import BetterPTClient
from scheduling.models import Booking, BookingChange, HealthieEvent, Provision, SyncStatus
from scheduling.sync import services as sync_services
from scheduling.sync.tasks import reconcile_healthie
from tests.scheduling.sync.conftest import book_in_healthie

pytestmark = pytest.mark.django_db


def test_a_change_whose_webhook_was_dropped_is_repaired_by_reconciliation(
    provisioned, staff, sandbox, eager_celery, django_capture_on_commit_callbacks, live_server
):
    booking, room = provisioned()
    cancelled, _ = provisioned()
    with django_capture_on_commit_callbacks(execute=True):
        checked, _ = sync_services.reconcile()  # the seed's own appointments, once
    # The app is listening, but Healthie's deliveries of the next two changes are lost.
    sandbox.configure(
        "healthie",
        webhook_url=f"{live_server.url}/webhooks/healthie/",
        webhook_secret="whsec_unused",
        webhook_drop_next=2,
    )
    moved_to = booking.start + timedelta(days=1)
    staff.update_appointment(id=booking.healthie_appointment_id, start=moved_to)
    staff.cancel_appointment(cancelled.healthie_appointment_id)
    deliveries = sandbox.configure("healthie")["webhook_deliveries"]
    assert [d["status"] for d in deliveries[-2:]] == ["dropped", "dropped"]
    booking.refresh_from_db()
    assert booking.start != moved_to

    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_healthie.apply().get() == {"checked": checked, "fixed": 2}
    booking.refresh_from_db()
    assert booking.start == moved_to
    assert booking.changes.get().by == BookingChange.By.HEALTHIE
    with BetterPTClient() as betterpt:
        assert betterpt.video_room(room.external_id).start == moved_to
    cancelled.refresh_from_db()
    assert cancelled.status == Booking.Status.CANCELLED
    assert Provision.objects.get(booking=cancelled, part="betterpt_room").status == "cancelled"
    status = SyncStatus.objects.get()
    assert (status.last_reconcile_checked, status.last_reconcile_fixed) == (checked, 2)
    assert status.last_reconciled_at is not None

    old_event = HealthieEvent.objects.create(event_type="appointment.updated", resource_id="1")
    HealthieEvent.objects.filter(pk=old_event.pk).update(
        received_at=timezone.now() - timedelta(days=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_services.reconcile() == (checked, 0)  # idempotent: nothing left to repair
    assert not HealthieEvent.objects.filter(pk=old_event.pk).exists()  # the log is pruned
    assert booking.changes.count() == 1


def test_reconciliation_finds_a_deleted_appointment_and_one_booked_elsewhere(
    provisioned, staff, sandbox, plan, eager_celery, django_capture_on_commit_callbacks
):
    booking, room = provisioned()
    with django_capture_on_commit_callbacks(execute=True):
        sync_services.reconcile()  # the seed's own appointments, once
    staff.delete_appointment(booking.healthie_appointment_id)  # deleted ones are not listed
    # An open slot on a later day than the booking's (whatever day of the week the clock is on).
    start = staff.next_available_slot(
        appointment_type_id="302",
        provider_id="101",
        not_before=booking.start.date() + timedelta(days=1),
    )
    elsewhere = book_in_healthie(staff, start)
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_services.reconcile()[1] == 2
    booking.refresh_from_db()
    assert (booking.status, booking.status_reason) == (
        Booking.Status.CANCELLED,
        "deleted_in_healthie",
    )
    mirrored = Booking.objects.get(healthie_appointment_id=elsewhere.id)
    assert mirrored.provisions.get(part="betterpt_room").status == Provision.Status.READY
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_services.reconcile()[1] == 0


def test_reconciliation_reads_a_bounded_number_of_pages(
    provisioned, staff, sandbox, settings, eager_celery
):
    for _ in range(3):
        provisioned()
    settings.HEALTHIE_RECONCILE_MAX_PAGES = 1
    sandbox.configure("healthie")  # the call log starts here
    before = len(sandbox.calls(vendor="healthie", operation="appointments"))
    sync_services.reconcile()
    assert len(sandbox.calls(vendor="healthie", operation="appointments")) == before + 1
