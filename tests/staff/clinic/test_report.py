"""The attendance report from sandbox data: two video visits with BetterPT rooms, one attended
and one missed, read after BetterPT filled in attendance; totals, the CSV and a vendor failing."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, Provision, QualiphyExam
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part
from tests.scheduling.html import Page

NEW_YORK = ZoneInfo("America/New_York")


def provision_all(booking: Booking, django_capture_on_commit_callbacks) -> dict:
    """Provision the booking as a confirmed booking does, each task run to its end."""
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    return {p.part: p for p in Provision.objects.filter(booking=booking)}


def provision(booking: Booking, django_capture_on_commit_callbacks) -> Provision:
    """Provision the booking; its BetterPT room."""
    room = provision_all(booking, django_capture_on_commit_callbacks)[Provision.Part.BETTERPT_ROOM]
    assert room.status == Provision.Status.READY
    return room


def join(link: str) -> None:
    """Open a room link as a browser would (the sandbox records who joined, and when)."""
    assert httpx.get(link, timeout=10).status_code == 200


@pytest.fixture
def two_visits(booked, plan, sandbox, pinned_clock, django_capture_on_commit_callbacks):
    """Grace attends her visit; Ada's provider waits alone. Then 3 hours pass."""
    attended = booked()
    missed = booked(email="ada.lovelace@example.com")
    missed.first_name, missed.last_name = '=HYPERLINK("http://x")', "Lovelace"
    missed.save()
    assert attended.start < missed.start
    rooms = [provision(b, django_capture_on_commit_callbacks) for b in (attended, missed)]
    pinned_clock.move_to(attended.start + timedelta(minutes=1))
    join(rooms[0].patient_url)
    join(rooms[0].details["provider_url"])
    pinned_clock.move_to(missed.start + timedelta(minutes=1))
    join(rooms[1].details["provider_url"])
    pinned_clock.move_to(missed.start + timedelta(hours=3))
    return attended, missed


def totals_of(page: Page) -> dict[str, str]:
    return {
        dt.text: dt.parent.text.removeprefix(dt.text).strip()
        for dt in page.iter()
        if dt.tag == "dt"
    }


def report_url(visits, **extra) -> str:
    days = sorted({b.start.astimezone(NEW_YORK).date().isoformat() for b in visits})
    query = {"start": days[0], "end": days[-1], "provider": "101", **extra}
    return "/staff/report/?" + "&".join(f"{k}={v}" for k, v in query.items())


# `two_visits` comes before `front_desk` in each test: the desk signs in after the clock moved
# days ahead (a session from the suite's instant would have expired).


def test_totals_and_rows_come_from_what_betterpt_recorded(two_visits, front_desk):
    response = front_desk.get(report_url(two_visits))
    assert response.status_code == 200
    page = Page(response)
    assert totals_of(page) == {
        "Visits": "2",
        "Attended": "1",
        "No-shows": "1",
        "Not known yet": "0",
        "Show rate": "50%",
    }
    rows = [r.text for r in page.iter() if r.tag == "tr"][1:]
    assert len(rows) == 2
    assert "Grace Hopper" in rows[0] and rows[0].endswith("Attended")
    assert "BetterPT yes yes" in rows[0]
    assert rows[1].endswith("No-show") and "BetterPT no yes" in rows[1]


def test_the_csv_has_every_visit_and_the_totals_and_no_formula(two_visits, front_desk):
    attended, missed = two_visits
    response = front_desk.get(report_url(two_visits, format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="attendance-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, visits = rows[0], rows[1:3]
    assert header[4] == "Patient" and header[-1] == "Outcome"
    record = [dict(zip(header, row, strict=True)) for row in visits]
    assert [r["Healthie appointment id"] for r in record] == [
        attended.healthie_appointment_id,
        missed.healthie_appointment_id,
    ]
    assert record[0]["Patient"] == "Grace Hopper"
    assert record[0]["Time"] == attended.start.astimezone(NEW_YORK).strftime("%H:%M")
    assert record[0]["Patient attended (BetterPT)"] == "yes"
    assert int(record[0]["Patient minutes (BetterPT)"]) > 0
    assert record[1]["Patient attended (BetterPT)"] == "no"
    assert [r["Outcome"] for r in record] == ["Attended", "No-show"]
    # A patient-entered name that a spreadsheet would run as a formula is quoted as text.
    assert record[1]["Patient"] == '\'=HYPERLINK("http://x") Lovelace'
    assert ["Show rate", "50%"] in rows and ["No-shows", "1"] in rows


def test_healthie_marks_and_qualiphy_verdicts_show_in_the_report(two_visits, front_desk):
    attended, missed = two_visits
    with HealthieClient() as healthie:  # staff marked Grace a no-show in Healthie after all
        healthie.update_appointment(id=attended.healthie_appointment_id, pm_status="No-Show")
    exams = Provision.objects.create(
        booking=missed, part=Provision.Part.QUALIPHY_EXAMS, status=Provision.Status.READY
    )
    QualiphyExam.objects.create(
        provision=exams, patient_exam_id="77", exam_id="4226", title="GFE", status="Approved"
    )
    rows = [r.text for r in Page(front_desk.get(report_url(two_visits))).iter() if r.tag == "tr"]
    assert rows[1].endswith("No-show") and "No-Show" in rows[1]
    assert "GFE: Approved" in rows[2]


def test_a_failing_vendor_shows_unknown_not_an_error(two_visits, front_desk, sandbox):
    sandbox.fault("betterpt", "http_500", operation="*", count=None)
    response = front_desk.get(report_url(two_visits))
    assert response.status_code == 200
    rows = [r.text for r in Page(response).iter() if r.tag == "tr"][1:]
    assert all("BetterPT unknown unknown" in row and row.endswith("Unknown") for row in rows)
    assert totals_of(Page(response)) == {
        "Visits": "2",
        "Attended": "0",
        "No-shows": "0",
        "Not known yet": "2",
        "Show rate": "—",
    }


def test_bad_ranges_are_field_errors(front_desk, sandbox):
    for query, error in (
        ("start=2026-12-10&end=2026-12-01", "The end date must be on or after the start date."),
        ("start=2026-01-01&end=2026-12-01", "Choose at most 92 days."),
        ("start=yesterday&end=2026-12-01", "Enter a valid date."),
        ("start=2026-12-01&end=2026-12-02&provider=999", "Select a valid choice."),
    ):
        response = front_desk.get(f"/staff/report/?{query}")
        assert response.status_code == 422
        assert error in response.content.decode()


def test_a_visit_booked_in_healthie_only_counts_by_its_pm_status(front_desk, sandbox):
    with HealthieClient() as healthie:
        occurred = healthie.appointment("50006")  # the seed's past visit, marked "Occurred"
    day = occurred.start.astimezone(NEW_YORK).date().isoformat()
    page = Page(front_desk.get(f"/staff/report/?start={day}&end={day}&provider=102"))
    rows = [r.text for r in page.iter() if r.tag == "tr"][1:]
    assert len(rows) == 1
    # At 1:00 PM in New York, the clinic's zone (whatever the server's zone is).
    when = occurred.start.astimezone(NEW_YORK).strftime("%a %b %-d, 1:00 PM")
    assert rows[0].startswith(f"{when} Samuel Okafor (booked in Healthie) Video Follow-up")
    assert rows[0].endswith("Occurred — — — — — — Attended")
    assert totals_of(page) == {
        "Visits": "1",
        "Attended": "1",
        "No-shows": "0",
        "Not known yet": "0",
        "Show rate": "100%",
    }
