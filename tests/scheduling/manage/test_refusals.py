"""The clinic's rules, from Healthie's appointment settings, refusing changes online."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.common import tokens
from scheduling.models import SlotHold
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import (
    CANCEL_MESSAGE,
    RESCHEDULE_MESSAGE,
    Manager,
    assert_refused,
    book,
    staff_move,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancel_not_allowed_for_provider_103(pages, sandbox):
    booking = book(provider="103")
    manager = Manager(booking)
    page = text(manager.page())
    assert "This appointment can't be cancelled online." in page
    assert CANCEL_MESSAGE in page
    assert not Page(page).links("Cancel appointment")
    assert Page(page).one("link", "Reschedule")  # 103 allows rescheduling
    assert_refused(manager.cancel_page(), CANCEL_MESSAGE)
    # A forged form cannot get past the service either.
    token = tokens.sign("manage-cancel", {"booking": booking.reference, "idempotency_key": "k1"})
    assert_refused(manager.post("cancel/", {"form_token": token}), CANCEL_MESSAGE)
    assert not sandbox.calls(vendor="healthie", operation="updateAppointment")
    change = booking.changes.get()
    assert (change.state, change.reason) == ("rejected", "not_allowed_cancel")


def test_reschedule_not_allowed(pages, sandbox, monkeypatch):
    # The sandbox's seeded providers all allow rescheduling and it offers no way to change a
    # setting, so Healthie's real answer (its message included) gets this one flag flipped.
    original = HealthieClient.appointment_setting

    def no_reschedule(self, **kwargs):
        return replace(original(self, **kwargs), allow_clients_to_reschedule_appt=False)

    booking = book()
    monkeypatch.setattr(HealthieClient, "appointment_setting", no_reschedule)
    manager = Manager(booking)
    page = text(manager.page())
    assert "This appointment can't be rescheduled online." in page
    assert RESCHEDULE_MESSAGE in page
    assert Page(page).one("link", "Cancel appointment")
    assert_refused(manager.calendar(), RESCHEDULE_MESSAGE)
    assert_refused(manager.get("reschedule/times/", {"day": "2026-12-01"}), RESCHEDULE_MESSAGE)


def test_too_close_to_the_start(pages, sandbox):
    booking = book()
    # Staff move it to three hours from now in Healthie (24 hours' notice needed online).
    soon = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    staff_move(booking, soon)
    manager = Manager(booking)
    page = text(manager.page())
    assert "It's too close to the appointment to reschedule online." in page
    assert "It's too close to the appointment to cancel online." in page
    assert RESCHEDULE_MESSAGE in page and CANCEL_MESSAGE in page
    assert_refused(manager.calendar(), RESCHEDULE_MESSAGE)
    assert_refused(manager.cancel_page(), CANCEL_MESSAGE)


def test_a_review_made_before_the_rules_changed_is_refused_on_confirm(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, _ = manager.to_review()
    staff_move(booking, (timezone.now() + timedelta(hours=5)).replace(second=0, microsecond=0))
    response = manager.confirm(review)
    assert_refused(response, "too close", RESCHEDULE_MESSAGE)
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1  # staff's
    booking.refresh_from_db()
    assert booking.reschedule_count == 0
    change = booking.changes.get(by="patient")
    assert (change.state, change.reason) == ("rejected", "too_late_reschedule")
    assert not SlotHold.objects.exists()  # the new time is released for others


def test_reschedule_cap_reached(pages, sandbox):
    # Samuel Okafor (102): 12 hours' notice, one reschedule allowed.
    booking = book(provider="102", type_id="303", contact="Phone Call")
    manager = Manager(booking)
    response, _ = manager.reschedule()
    assert response.status_code == 302 and "changed=rescheduled" in response["Location"]
    booking.refresh_from_db()
    assert booking.reschedule_count == 1
    page = text(manager.page())
    assert "already been rescheduled as many times as allowed online" in page
    assert RESCHEDULE_MESSAGE in page
    assert Page(page).one("link", "Cancel appointment")
    assert_refused(manager.calendar(), RESCHEDULE_MESSAGE)


def test_past_appointment_cannot_be_changed(pages, sandbox):
    booking = book()
    staff_move(booking, (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0))
    manager = Manager(booking)
    page = text(manager.page())
    assert "This appointment's time has passed." in page
    assert RESCHEDULE_MESSAGE in page and CANCEL_MESSAGE in page
    assert_refused(manager.calendar(), "passed", RESCHEDULE_MESSAGE)
    assert_refused(manager.cancel_page(), "passed", CANCEL_MESSAGE)


def test_cancelled_appointment_cannot_be_changed(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    review, _ = manager.to_review()  # a reschedule form from before the cancellation
    cancel_page = manager.cancel_page()
    assert manager.cancel(page=cancel_page).status_code == 302
    assert_refused(manager.calendar(), "This appointment has been cancelled.", RESCHEDULE_MESSAGE)
    assert_refused(manager.cancel_page(), "This appointment has been cancelled.", CANCEL_MESSAGE)
    assert_refused(manager.confirm(review), "has been cancelled")
    # Resending the old cancel form repeats its outcome; a fresh key is refused.
    assert manager.cancel(page=cancel_page).status_code == 302
    token = tokens.sign("manage-cancel", {"booking": booking.reference, "idempotency_key": "k2"})
    assert_refused(manager.post("cancel/", {"form_token": token}), CANCEL_MESSAGE)
    assert len(sandbox.calls(vendor="healthie", operation="updateAppointment")) == 1
