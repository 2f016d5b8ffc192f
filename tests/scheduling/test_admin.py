"""/admin/ shows the mirror and no longer edits it: Healthie's fields are read-only, a booking
Healthie still holds cannot be deleted, and a cancel goes out through Healthie (the patient's
cancel service, by staff). The booking list shows the clinic's time zone, the patient's name and
why provisioning failed; the Healthie sync status is visible."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, BookingChange, Provision, SyncStatus
from tests.scheduling.html import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-for-tests")
    client.force_login(user)
    return client


def test_the_booking_list_shows_zone_patient_and_provisioning_failures(staff_client, booked):
    booking = booked()
    booking.provider_timezone = "America/New_York"
    booking.save()
    Provision.objects.create(
        booking=booking,
        part=Provision.Part.HCW_INVITE,
        status=Provision.Status.FAILED,
        failure_reason="No HCW@Home doctor or queue is set for this provider.",
    )
    content = staff_client.get("/admin/scheduling/booking/").content.decode()
    local = booking.start.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%Y-%m-%d %H:%M %Z") in content
    assert "Grace Hopper" in content
    assert "HCW@Home teleconsultation: No HCW@Home doctor or queue is set" in content
    assert "Start (clinic&#x27;s time zone)" in content or "Start (clinic's time zone)" in content


def test_healthie_owned_fields_are_read_only_and_posting_them_changes_nothing(staff_client, booked):
    booking = booked()
    url = f"/admin/scheduling/booking/{booking.pk}/change/"
    page = Page(staff_client.get(url).content.decode())
    for label in ("Start:", "Provider id:", "Appointment type id:", "Email:", "First name:"):
        assert not page.find_all("textbox", label), label
    assert page.find_all("textbox", "Patient timezone:")  # the app's own field stays editable
    staff_client.post(url, {"start_0": "2030-01-01", "start_1": "10:00", "email": "x@example.com"})
    booking.refresh_from_db()
    assert booking.email == "grace.hopper@example.com" and booking.start.year != 2030


def test_a_booking_healthie_holds_cannot_be_deleted_and_is_cancelled_through_healthie(
    staff_client, booked
):
    booking = booked()
    delete = staff_client.get(f"/admin/scheduling/booking/{booking.pk}/delete/")
    assert delete.status_code == 403
    listing = staff_client.get("/admin/scheduling/booking/").content.decode()
    assert "delete_selected" not in listing
    response = staff_client.post(
        "/admin/scheduling/booking/",
        {"action": "cancel_in_healthie", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.changes.get().by == BookingChange.By.STAFF
    with HealthieClient() as healthie:
        assert healthie.appointment(booking.healthie_appointment_id).pm_status == "Cancelled"
    # Cancelled in Healthie: now the mirror row may go.
    assert staff_client.get(f"/admin/scheduling/booking/{booking.pk}/delete/").status_code == 200


def test_the_sync_status_is_visible_to_staff(staff_client):
    SyncStatus.objects.create(pk=1, last_reconcile_fixed=3, last_verification_failure="x_reason")
    content = staff_client.get("/admin/scheduling/syncstatus/").content.decode()
    assert "x_reason" in content and ">3<" in content
