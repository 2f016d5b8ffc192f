"""The availability editor against the Healthie sandbox over HTTP: hours created, changed and
deleted reach Healthie, the patient's calendar shows the change at once (the cache is
invalidated), times stay local across a DST change, bad input and refusals are explained."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from integrations.healthie.client import HealthieClient
from scheduling.staff.access import CLINIC_ADMIN
from tests.scheduling.conftest import DAYS_AHEAD, Patient, days_ahead, open_days, times
from tests.scheduling.html import Page
from tests.staff.clinic.conftest import signed_in

NEW_YORK = ZoneInfo("America/New_York")
SATURDAY = "6"  # Healthie's day_of_week (0 = Sunday)


def next_saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7)


def saturdays_of_101() -> list:
    with HealthieClient() as healthie:
        weekly = healthie.availabilities(provider_id="101", is_repeating=True)
    return [a for a in weekly if a.day_of_week == 6]


def open_on(patient: Patient, day: date) -> bool:
    calendar = patient.calendar(month=day.strftime("%Y-%m"))
    assert calendar.status_code == 200
    return day.isoformat() in open_days(calendar.content.decode())


def local_times(patient: Patient, day: date) -> list[datetime]:
    response = patient.times_page(day=day.isoformat())
    assert response.status_code == 200
    return [
        datetime.fromisoformat(value).astimezone(NEW_YORK)
        for value, _ in times(response.content.decode())
    ]


def hours_form(**overrides) -> dict:
    return {
        "kind": "weekly",
        "weekday": SATURDAY,
        "day": timezone.now().astimezone(NEW_YORK).date().isoformat(),
        "opens": "10:00",
        "closes": "14:00",
        "last_day": "",
        "appointment_type": "",
        **overrides,
    }


@pytest.fixture
def patient(demo_pages, sandbox) -> Patient:
    return Patient()


def test_weekly_hours_are_listed_with_local_times_and_names(clinic_admin, patient):
    page = Page(clinic_admin.get("/staff/availability/?provider=101"))
    assert page.headings("Availability: Maya Chen")
    assert [o.text for o in page.iter() if o.tag == "option"][1:4] == [
        "Lucia Alvarez",
        "Maya Chen",
        "Samuel Okafor",
    ]
    rows = [r.text for r in page.iter() if r.tag == "tr"][1:]
    assert rows[0].startswith("Monday 9:00 AM 5:00 PM")  # the seed's 9 to 5, New York time
    assert len(rows) == 5  # Monday to Friday
    assert "Eastern Time (America/New_York)" in page.text


def test_create_edit_and_delete_reach_healthie_and_the_patient_calendar(clinic_admin, patient):
    saturday = next_saturday(days_ahead(DAYS_AHEAD))
    assert not open_on(patient, saturday)  # cached now: the change must drop it

    created = clinic_admin.post("/staff/availability/101/add/", hours_form())
    assert created.status_code == 302
    [added] = saturdays_of_101()
    assert added.timezone == "America/New_York"
    assert added.range_start.astimezone(NEW_YORK).time() == time(10, 0)
    assert open_on(patient, saturday)
    assert local_times(patient, saturday)[0].time() == time(10, 0)
    listing = clinic_admin.get(created["Location"]).content.decode()
    assert "Hours added for Maya Chen." in listing
    assert "Saturday" in listing

    hours_id = added.repeating_availability_id
    edit_url = f"/staff/availability/101/{hours_id}/edit/"
    form = Page(clinic_admin.get(edit_url))
    filled = {e["name"]: e.get("value") for e in form.iter() if e.get("type") == "time"}
    assert filled == {"opens": "10:00", "closes": "14:00"}
    edited = clinic_admin.post(edit_url, hours_form(opens="11:00", closes="13:00"))
    assert edited.status_code == 302
    [changed] = saturdays_of_101()
    assert changed.range_start.astimezone(NEW_YORK).time() == time(11, 0)
    slots = local_times(patient, saturday)
    assert slots[0].time() == time(11, 0) and slots[-1].time() == time(12, 0)  # 60-min visits

    delete_url = f"/staff/availability/101/{hours_id}/delete/"
    confirm = Page(clinic_admin.get(delete_url))  # asks first: patients lose these hours
    assert confirm.headings("Delete hours of Maya Chen?")
    assert "Every Saturday, 11:00 AM to 1:00 PM." in confirm.text
    assert confirm.form(action=delete_url).find_all("button", "Delete these hours")
    assert len(saturdays_of_101()) == 1
    deleted = clinic_admin.post(delete_url)
    assert deleted.status_code == 302
    assert saturdays_of_101() == []
    assert not open_on(patient, saturday)


def test_a_one_off_opening_opens_that_day_only(clinic_admin, patient):
    saturday = next_saturday(days_ahead(DAYS_AHEAD))
    following = saturday + timedelta(days=7)
    response = clinic_admin.post(
        "/staff/availability/101/add/",
        hours_form(kind="one_off", day=saturday.isoformat(), opens="09:00", closes="11:00"),
    )
    assert response.status_code == 302
    assert open_on(patient, saturday) and not open_on(patient, following)
    listing = Page(clinic_admin.get(response["Location"]))
    shown = saturday.strftime("%A, %b %-d, %Y")
    [row] = [r.text for r in listing.iter() if r.tag == "tr" and r.text.startswith(shown)]
    assert row.startswith(f"{shown} 9:00 AM 11:00 AM Any Edit")
    with HealthieClient() as healthie:
        [one_off] = healthie.availabilities(provider_id="101", one_time=True)
    assert one_off.range_start == datetime.combine(saturday, time(9), NEW_YORK)


def test_weekly_hours_stay_local_across_the_dst_change(db, patient, pinned_clock):
    # The Monday before the US spring-forward (Sunday March 14, 2027), 10:00 in New York; signed
    # in there (a session from the suite's instant would have expired by then).
    pinned_clock.move_to(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    clinic_admin = signed_in("dst-admin", CLINIC_ADMIN)
    response = clinic_admin.post(
        "/staff/availability/101/add/", hours_form(day="2027-03-08", opens="09:00", closes="12:00")
    )
    assert response.status_code == 302
    before, after = date(2027, 3, 13), date(2027, 3, 20)  # Saturdays in EST and in EDT
    first_before, first_after = local_times(patient, before)[0], local_times(patient, after)[0]
    assert first_before.time() == first_after.time() == time(9, 0)
    assert first_before.astimezone(UTC).hour == 14 and first_after.astimezone(UTC).hour == 13
    listing = clinic_admin.get("/staff/availability/?provider=101").content.decode()
    assert "Saturday" in listing and "9:00 AM" in listing and "12:00 PM" in listing


def test_bad_input_is_answered_with_field_errors_and_changes_nothing(clinic_admin, patient):
    for data, error in (
        (hours_form(opens="14:00", closes="10:00"), "Closing time must be after the opening time."),
        (hours_form(opens="25:00"), "Enter a valid time."),
        (hours_form(weekday="9"), "Select a valid choice."),
        (hours_form(day="not a day"), "Enter a valid date."),
        (hours_form(appointment_type="999"), "Select a valid choice."),
        (
            hours_form(day="2027-01-04", last_day="2027-01-08"),  # Monday; Saturday comes later
            "The last day must be on or after the first Saturday (Jan 9, 2027).",
        ),
    ):
        response = clinic_admin.post("/staff/availability/101/add/", data)
        assert response.status_code == 422
        assert error in response.content.decode()
    assert saturdays_of_101() == []


def test_hours_for_one_appointment_type_reach_healthie_with_its_id(clinic_admin, patient):
    response = clinic_admin.post("/staff/availability/101/add/", hours_form(appointment_type="302"))
    assert response.status_code == 302
    [added] = saturdays_of_101()
    assert added.appointment_type_id == "302"
    listing = Page(clinic_admin.get(response["Location"]))
    [row] = [r.text for r in listing.iter() if r.tag == "tr" and r.text.startswith("Saturday")]
    assert "Video Follow-up" in row  # named, not the id


def test_a_throttled_healthie_changes_nothing_and_says_so(clinic_admin, patient, sandbox):
    sandbox.fault("healthie", "http_429", operation="createAvailability", count=None)
    response = clinic_admin.post("/staff/availability/101/add/", hours_form())
    assert response.status_code == 422
    assert "Healthie is not answering right now; nothing was changed." in response.content.decode()
    assert saturdays_of_101() == []


def test_healthie_failing_is_explained_not_a_500(clinic_admin, patient, sandbox):
    sandbox.fault("healthie", "http_500", operation="createAvailability", count=None)
    response = clinic_admin.post("/staff/availability/101/add/", hours_form())
    assert response.status_code == 422
    # A write whose answer is lost may have happened: staff are told to look before retrying.
    assert "the change may or may not have been made" in response.content.decode()
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    assert clinic_admin.get("/staff/availability/?provider=101").status_code == 503
