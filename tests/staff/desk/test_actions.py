"""The appointment panel's actions, each through the manage and provisioning services, against
the sandbox's Healthie over HTTP: the sandbox holds the result, and a change by staff naming
the staff user is recorded."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.admin.models import LogEntry

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, BookingChange, Provision
from scheduling.sync import services as sync_services
from tests.scheduling.conftest import DAYS_AHEAD, days_ahead
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import book
from tests.staff.desk.helpers import form_key

NEW_YORK = ZoneInfo("America/New_York")
By, State = BookingChange.By, BookingChange.State


def in_healthie(appointment_id: str):
    with HealthieClient() as client:
        return client.appointment(appointment_id)


def open_times(desk, appointment_id: str) -> list[str]:
    """The reschedule page's open times on its first open day (moving on a month if needed),
    other than the current one."""
    url = f"/staff/appointments/{appointment_id}/reschedule/"
    page = Page(desk.get(url))
    for _ in range(3):
        days = [a for a in page.links() if a["href"].startswith(f"{url}?day=")]
        if len(days) > 1:
            break
        page = Page(desk.get(page.one("link", re.compile("^Next month"))["href"]))
    chosen = Page(desk.get(days[1]["href"]))
    return [e["value"] for e in chosen.iter() if e.tag == "input" and e.get("name") == "slot"]


def post_reschedule(desk, appointment_id: str, data: dict):
    url = f"/staff/appointments/{appointment_id}/reschedule/"
    fields = Page(desk.get(url)).form(url).hidden_fields()
    return desk.post(url, {**fields, **data})


def test_staff_reschedule_to_an_open_time(desk, sandbox, pages):
    booking = book()
    slot = open_times(desk, booking.healthie_appointment_id)[0]
    response = post_reschedule(desk, booking.healthie_appointment_id, {"slot": slot})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/appointments/{booking.healthie_appointment_id}/"
    new_start = datetime.fromisoformat(slot)
    assert in_healthie(booking.healthie_appointment_id).start == new_start
    change = BookingChange.objects.get(booking=booking)
    assert (change.kind, change.by, change.state) == ("reschedule", By.STAFF, State.DONE)
    assert change.staff_user == desk.user
    booking.refresh_from_db()
    assert booking.start == new_start and booking.reschedule_count == 0  # not the patient's
    panel = Page(desk.get(response["Location"]))
    assert "Moved to" in panel.text
    assert "Rescheduled by frontdesk (staff)" in panel.text
    local = new_start.astimezone(NEW_YORK)  # the history in the clinic's zone, never UTC
    hour = f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
    assert f"to {local:%b} {local.day}, {local.year} {hour}" in panel.text


def test_staff_override_moves_outside_the_open_hours(desk, sandbox, pages):
    """A Saturday: nobody works, so only the override (Healthie's check skipped) moves it."""
    booking = book()
    saturday = booking.start.astimezone(NEW_YORK).date()
    saturday += timedelta(days=(5 - saturday.weekday()) % 7 or 7)
    wanted = {"date": saturday.isoformat(), "time": "10:00"}
    refused = post_reschedule(desk, booking.healthie_appointment_id, wanted)
    assert refused.status_code == 400
    assert "Pick one of the open times." in Page(refused).text
    assert in_healthie(booking.healthie_appointment_id).start == booking.start

    moved = post_reschedule(desk, booking.healthie_appointment_id, {**wanted, "override": "on"})
    assert moved.status_code == 302
    expected = datetime(saturday.year, saturday.month, saturday.day, 10, tzinfo=NEW_YORK)
    assert in_healthie(booking.healthie_appointment_id).start == expected
    change = BookingChange.objects.get(booking=booking, state=State.DONE)
    assert change.by == By.STAFF and change.staff_user == desk.user


def test_staff_cancel_once_per_form(desk, sandbox, pages):
    booking = book()
    fields = form_key(desk, booking.healthie_appointment_id, "cancel/")
    url = f"/staff/appointments/{booking.healthie_appointment_id}/cancel/"
    assert desk.post(url, fields).status_code == 302
    assert desk.post(url, fields).status_code == 302  # a double submit: the same change
    assert in_healthie(booking.healthie_appointment_id).pm_status == "Cancelled"
    change = BookingChange.objects.get(booking=booking)
    assert (change.kind, change.by, change.state) == ("cancel", By.STAFF, State.DONE)
    assert change.staff_user == desk.user
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    panel = Page(desk.get(f"/staff/appointments/{booking.healthie_appointment_id}/"))
    assert not panel.buttons() or "Cancel appointment" not in [b.text for b in panel.buttons()]


def test_no_show_only_once_the_visit_has_started(desk, sandbox, pages, pinned_clock):
    booking = book()
    url = f"/staff/appointments/{booking.healthie_appointment_id}/no-show/"
    early = desk.post(url, form_key(desk, booking.healthie_appointment_id, "cancel/"))
    assert early.status_code == 302
    assert in_healthie(booking.healthie_appointment_id).pm_status is None
    assert BookingChange.objects.get(booking=booking).reason == "not_started"

    pinned_clock.move_to(booking.start + timedelta(minutes=20))
    fields = form_key(desk, booking.healthie_appointment_id, "no-show/")
    assert desk.post(url, fields).status_code == 302
    assert in_healthie(booking.healthie_appointment_id).pm_status == "No-Show"
    change = BookingChange.objects.get(booking=booking, state=State.DONE)
    assert (change.kind, change.by, change.staff_user) == ("no_show", By.STAFF, desk.user)
    panel = Page(desk.get(f"/staff/appointments/{booking.healthie_appointment_id}/"))
    assert "No-show" in panel.text


def test_retry_failed_provisioning_and_the_doctors_link(desk, sandbox, pages):
    booking = book(type_id="302")  # the demo plan: a BetterPT room and a questionnaire
    # The parts the plan names (provisioning_start runs on commit, which a test's transaction
    # never reaches); their states are set as the vendors would have left them.
    room = Provision.objects.create(booking=booking, part=Provision.Part.BETTERPT_ROOM)
    questionnaire = Provision.objects.create(
        booking=booking, part=Provision.Part.SEMBLE_QUESTIONNAIRE
    )
    Provision.objects.filter(pk=room.pk).update(
        status=Provision.Status.READY,
        patient_url="https://video.example/patient",
        details={"provider_url": "https://video.example/provider"},
    )
    Provision.objects.filter(pk=questionnaire.pk).update(
        status=Provision.Status.FAILED, failure_reason="semble_refused"
    )
    day = booking.start.astimezone(NEW_YORK).date().isoformat()
    calendar = Page(desk.get("/staff/", {"date": day, "view": "day", "provider": "101"}))
    [link] = [
        a
        for a in calendar.links()
        if a.get("data-appointment") == room.booking.healthie_appointment_id
    ]
    assert "BetterPT video room: ready" in link.text
    assert "Semble questionnaire: failed" in link.text
    panel_url = f"/staff/appointments/{booking.healthie_appointment_id}/"
    panel = Page(desk.get(panel_url))
    assert panel.one("link", re.compile("^Provider's video link"))["href"] == (
        "https://video.example/provider"
    )
    assert "semble_refused" in panel.text
    retry = f"/staff/appointments/{booking.healthie_appointment_id}/retry/{questionnaire.pk}/"
    fields = panel.form(retry).hidden_fields()
    assert desk.post(retry, fields).status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == Provision.Status.PENDING and questionnaire.failure_reason == ""
    [entry] = LogEntry.objects.filter(object_id=str(questionnaire.pk))
    assert entry.user == desk.user and "Retried" in entry.change_message


def test_appointments_the_app_does_not_keep_are_read_only(desk, sandbox, pages):
    panel = Page(desk.get("/staff/appointments/50001/"))
    assert "It is shown read-only: change it in Healthie." in panel.text
    assert panel.one("heading", "Avery Brooks")
    assert not [f for f in panel.iter() if f.tag == "form" and "/cancel/" in f.get("action", "")]
    desk.handler.enforce_csrf_checks = False
    assert desk.post("/staff/appointments/50001/cancel/", {"key": "0" * 32}).status_code == 404
    assert in_healthie("50001").pm_status is None


def test_staff_reschedule_a_visit_made_in_healthie_once_mirrored(desk, sandbox, pages):
    """The sync mirrors a seeded consultation (its plan asks for it): it has no booking page,
    so no local hold; Healthie's own availability check still applies."""
    # The seed's time follows the sandbox's clock at reset: put it a few weekdays ahead of ours.
    day = days_ahead(DAYS_AHEAD)
    day += timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)
    with HealthieClient() as client:
        client.update_appointment(
            id="50001",
            start=datetime(day.year, day.month, day.day, 11, tzinfo=NEW_YORK),
            timezone="America/New_York",
            enforce_availability=False,
        )
    outcome, booking = sync_services.appointment_sync(appointment_id="50001")
    assert outcome == "mirrored" and booking.page_id is None
    panel = Page(desk.get("/staff/appointments/50001/"))
    assert "Made in Healthie (mirrored)" in panel.text
    slot = open_times(desk, "50001")[0]
    assert post_reschedule(desk, "50001", {"slot": slot}).status_code == 302
    assert in_healthie("50001").start == datetime.fromisoformat(slot)
    change = BookingChange.objects.get(booking=booking, by=By.STAFF)
    assert change.state == State.DONE and change.staff_user == desk.user


def test_unreadable_reschedule_forms_are_answered_400(desk, sandbox, pages):
    booking = book()
    for data in (
        {"date": "2026-99-99", "time": "10:00", "override": "on"},
        {"date": "", "time": "", "override": "on"},
        {"slot": "not-a-time"},
        {"slot": "2026-12-09T10:00:00"},  # no offset: which zone?
    ):
        response = post_reschedule(desk, booking.healthie_appointment_id, data)
        assert response.status_code == 400, data
        assert Page(response).find_all("heading", re.compile("^Reschedule"))
    response = post_reschedule(desk, booking.healthie_appointment_id, {"slot": "x", "key": "k"})
    assert response.status_code == 400
    assert "This form is out of date" in Page(response).text
    assert in_healthie(booking.healthie_appointment_id).start == booking.start
    assert not BookingChange.objects.filter(booking=booking).exists()
