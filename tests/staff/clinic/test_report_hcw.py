"""The attendance report's HCW@Home column: each video visit's consultation state, read from
the sandbox over HTTP as HCW's backend answers it (the invite and its consultation), on the page
and in the CSV, and what it says about who attended."""

import csv
import io
from datetime import timedelta

import pytest

from integrations.hcw.client import HCWClient
from scheduling.models import Provision
from scheduling.staff.access import FRONT_DESK
from tests.scheduling.html import Page
from tests.staff.clinic.conftest import signed_in
from tests.staff.clinic.test_report import provision_all, report_url, totals_of


@pytest.fixture
def four_hcw_visits(
    exam_booking, exam_plan, sandbox, pinned_clock, django_capture_on_commit_callbacks
):
    """Four HCW@Home visits: the doctor saw and closed the first; the second patient waited
    and no doctor came; the third never opened the link; the fourth's invite was deleted
    unused (as HCW's clean-up does). Then 3 hours pass."""
    bookings = [exam_booking() for _ in range(4)]
    invites = [
        provision_all(b, django_capture_on_commit_callbacks)[Provision.Part.HCW_INVITE]
        for b in bookings
    ]
    assert all(i.status == Provision.Status.READY for i in invites)
    closed, waiting, _, deleted = (i.external_id for i in invites)
    sandbox.configure("hcw", consultation={"invite": closed, "state": "closed"})
    sandbox.configure("hcw", consultation={"invite": waiting, "state": "pending"})
    with HCWClient() as hcw:
        assert hcw.delete_invite(deleted) is not None
    pinned_clock.move_to(max(b.start for b in bookings) + timedelta(hours=3))
    return bookings


def cells(row) -> list[str]:
    return [c.text for c in row.children if not isinstance(c, str) and c.tag in ("th", "td")]


def rows_by_id(page: Page, bookings) -> list[dict[str, str]]:
    """The table's rows as {column: text}, in the bookings' order (the table sorts by time)."""
    header, *rows = [cells(r) for r in page.iter() if r.tag == "tr"]
    assert len(rows) == len(bookings)
    order = sorted(range(len(bookings)), key=lambda i: bookings[i].start)
    by_booking = dict(zip(order, rows, strict=True))
    return [dict(zip(header, by_booking[i], strict=True)) for i in range(len(bookings))]


HCW = "HCW@Home consultation"


def test_each_visit_shows_its_consultation_state_and_outcome(four_hcw_visits):
    desk = signed_in("desk-hcw-states", FRONT_DESK)
    response = desk.get(report_url(four_hcw_visits))
    assert response.status_code == 200
    page = Page(response)
    rows = rows_by_id(page, four_hcw_visits)
    assert [(r["Video"], r[HCW], r["Outcome"]) for r in rows] == [
        ("HCW@Home", "closed", "Attended"),
        ("HCW@Home", "patient waiting", "Attended"),  # the patient came; no doctor did
        ("HCW@Home", "not started", "Unknown"),
        ("HCW@Home", "invite deleted", "Unknown"),
    ]
    assert rows[0]["Qualiphy exams"].endswith("no verdict yet")  # the exam beside it
    assert totals_of(page)["Attended"] == "2" and totals_of(page)["Show rate"] == "100%"


def test_the_csv_names_the_consultation_state(four_hcw_visits):
    desk = signed_in("desk-hcw-csv", FRONT_DESK)
    response = desk.get(report_url(four_hcw_visits, format="csv"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert "HCW@Home consultation" in header and "HCW@Home invite" not in header
    states = {
        row[header.index("Healthie appointment id")]: row[header.index("HCW@Home consultation")]
        for row in rows[1:5]
    }
    assert [states[b.healthie_appointment_id] for b in four_hcw_visits] == [
        "closed",
        "patient waiting",
        "not started",
        "invite deleted",
    ]


def test_hcw_failing_shows_unknown_and_is_asked_again_next_time(four_hcw_visits, sandbox):
    desk = signed_in("desk-hcw-down", FRONT_DESK)
    sandbox.fault("hcw", "http_500", operation="*", count=None)
    rows = rows_by_id(Page(desk.get(report_url(four_hcw_visits))), four_hcw_visits)
    assert [r[HCW] for r in rows] == ["unknown"] * 4
    assert {r["Outcome"] for r in rows} == {"Unknown"}
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    rows = rows_by_id(Page(desk.get(report_url(four_hcw_visits))), four_hcw_visits)
    assert [r[HCW] for r in rows][::2] == ["closed", "not started"]  # the failure not cached


def test_states_read_once_are_served_from_the_cache(four_hcw_visits, sandbox):
    desk = signed_in("desk-hcw-cache", FRONT_DESK)
    first = rows_by_id(Page(desk.get(report_url(four_hcw_visits))), four_hcw_visits)
    states = ["closed", "patient waiting", "not started", "invite deleted"]
    assert [r[HCW] for r in first] == states
    asked = len(sandbox.calls(vendor="hcw"))
    sandbox.fault("hcw", "http_500", operation="*", count=None)
    again = rows_by_id(Page(desk.get(report_url(four_hcw_visits))), four_hcw_visits)
    assert [r[HCW] for r in again] == states  # a day for final states, a minute for open ones
    assert len(sandbox.calls(vendor="hcw")) == asked  # HCW was not asked again
