"""Blocked time in the availability editor against the Healthie sandbox over HTTP: blocks
created, changed and deleted reach Healthie as blockers, the patient's open days and times
lose and regain the time at once (the cache is invalidated), each form is sent once, who did it
is recorded, times stay local across a DST change, bad input is explained."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.healthie.client import HealthieClient
from scheduling.staff.access import CLINIC_ADMIN
from scheduling.staff.forms import new_key
from tests.scheduling.conftest import DAYS_AHEAD, Patient, days_ahead, open_days, times
from tests.scheduling.html import Page
from tests.staff.clinic.conftest import signed_in

NEW_YORK = ZoneInfo("America/New_York")
ADD = "/staff/availability/101/blocks/add/"


def next_weekday(after: date) -> date:
    """The first Monday-to-Friday day on or after `after` (provider 101 works 9 to 5 then)."""
    while after.weekday() >= 5:
        after += timedelta(days=1)
    return after


def blocks_of_101() -> list:
    now = timezone.now()
    with HealthieClient() as healthie:
        return healthie.blockers(
            provider_id="101", start=now - timedelta(days=1), end=now + timedelta(days=400)
        )


def local_times(patient: Patient, day: date) -> list[time]:
    response = patient.times_page(day=day.isoformat())
    assert response.status_code == 200
    return [
        datetime.fromisoformat(value).astimezone(NEW_YORK).time()
        for value, _ in times(response.content.decode())
    ]


def open_on(patient: Patient, day: date) -> bool:
    calendar = patient.calendar(month=day.strftime("%Y-%m"))
    assert calendar.status_code == 200
    return day.isoformat() in open_days(calendar.content.decode())


def block_form(day: date, **overrides) -> dict:
    return {
        "day": day.isoformat(),
        "starts": "09:00",
        "ends": "12:00",
        "reason": "Team training",
        "key": new_key(),
        **overrides,
    }


@pytest.fixture
def patient(demo_pages, sandbox) -> Patient:
    return Patient()


@pytest.fixture
def day() -> date:
    return next_weekday(days_ahead(DAYS_AHEAD))


def test_create_edit_and_delete_reach_healthie_and_the_patient_times(clinic_admin, patient, day):
    before = local_times(patient, day)  # cached now: every change must drop it
    assert any(t < time(12) for t in before)

    created = clinic_admin.post(ADD, block_form(day))
    assert created.status_code == 302
    [block] = blocks_of_101()
    assert block.is_blocker and block.notes == "Team training"
    assert block.start == datetime.combine(day, time(9), NEW_YORK)
    assert block.end == datetime.combine(day, time(12), NEW_YORK)
    after = local_times(patient, day)
    assert after and not [t for t in after if time(8) < t < time(12)]
    assert after == [t for t in before if t >= time(12)]
    listing = Page(clinic_admin.get(created["Location"]))
    assert "Time blocked for Maya Chen." in listing.text
    shown = day.strftime("%A, %b %-d, %Y")
    [row] = [r.text for r in listing.iter() if r.tag == "tr" and r.text.startswith(shown)]
    assert row.startswith(f"{shown} 9:00 AM 12:00 PM Team training Edit")

    edit_url = f"/staff/availability/101/blocks/{block.id}/edit/"
    form = Page(clinic_admin.get(edit_url))
    fields = form.form(action=edit_url)
    filled = {e["name"]: e.get("value") for e in fields.iter() if e.get("type") == "time"}
    assert filled == {"starts": "09:00", "ends": "12:00"}
    edited = clinic_admin.post(
        edit_url, block_form(day, starts="10:00", ends="11:00", reason="Short meeting")
    )
    assert edited.status_code == 302
    [moved] = blocks_of_101()
    assert (moved.id, moved.notes) == (block.id, "Short meeting")
    assert moved.start == datetime.combine(day, time(10), NEW_YORK)
    now_open = local_times(patient, day)
    assert time(9) in now_open and time(11) in now_open
    assert not [t for t in now_open if time(9, 1) < t < time(11)]  # 60-minute visits

    delete_url = f"/staff/availability/101/blocks/{block.id}/delete/"
    confirm = Page(clinic_admin.get(delete_url))  # asks first
    assert confirm.headings("Delete blocked time of Maya Chen?")
    assert "10:00 AM to 11:00 AM (Short meeting)." in confirm.text
    assert len(blocks_of_101()) == 1
    key = confirm.form(action=delete_url).hidden("key")
    deleted = clinic_admin.post(delete_url, {"key": key})
    assert deleted.status_code == 302
    assert blocks_of_101() == []
    assert local_times(patient, day) == before

    flags = list(LogEntry.objects.order_by("id").values_list("action_flag", "object_id", "user"))
    admin_id = deleted.wsgi_request.user.pk
    assert flags == [
        (ADDITION, block.id, admin_id),
        (CHANGE, block.id, admin_id),
        (DELETION, block.id, admin_id),
    ]


def test_a_whole_working_day_blocked_closes_that_day(clinic_admin, patient, day):
    assert open_on(patient, day)
    response = clinic_admin.post(ADD, block_form(day, starts="08:00", ends="18:00"))
    assert response.status_code == 302
    assert not open_on(patient, day)
    assert open_on(patient, next_weekday(day + timedelta(days=1)))


def test_a_block_over_several_days_ends_on_its_last_day(clinic_admin, patient, day):
    following = next_weekday(day + timedelta(days=1))
    response = clinic_admin.post(
        ADD, block_form(day, starts="12:00", ends="12:00", last_day=following.isoformat())
    )
    assert response.status_code == 302
    [block] = blocks_of_101()
    assert block.start == datetime.combine(day, time(12), NEW_YORK)
    assert block.end == datetime.combine(following, time(12), NEW_YORK)
    assert not [t for t in local_times(patient, day) if t >= time(12)]
    assert not [t for t in local_times(patient, following) if t < time(12)]
    edit_url = f"/staff/availability/101/blocks/{block.id}/edit/"
    fields = Page(clinic_admin.get(edit_url)).form(action=edit_url)
    [until] = [e for e in fields.iter() if e.get("name") == "last_day"]
    assert until["value"] == following.isoformat()  # editing keeps it over both days
    refused = clinic_admin.post(ADD, block_form(following, last_day=day.isoformat()))
    assert refused.status_code == 422
    assert "The last day must be on or after the date." in refused.content.decode()


def test_a_block_under_way_can_be_made_longer_but_not_moved_into_the_past(
    clinic_admin, patient, pinned_clock, day
):
    clinic_admin.post(ADD, block_form(day, starts="09:00", ends="12:00"))
    [block] = blocks_of_101()
    pinned_clock.move_to(datetime.combine(day, time(10), NEW_YORK).astimezone(UTC))
    edit_url = f"/staff/availability/101/blocks/{block.id}/edit/"
    longer = clinic_admin.post(edit_url, block_form(day, starts="09:00", ends="13:00"))
    assert longer.status_code == 302
    [changed] = blocks_of_101()
    assert changed.end == datetime.combine(day, time(13), NEW_YORK)
    earlier = clinic_admin.post(edit_url, block_form(day, starts="08:00", ends="13:00"))
    assert earlier.status_code == 422
    assert "The blocked time must not start in the past." in earlier.content.decode()


def test_a_form_sent_twice_blocks_once(clinic_admin, patient, day):
    data = block_form(day)
    first, second = clinic_admin.post(ADD, data), clinic_admin.post(ADD, data)
    assert first.status_code == second.status_code == 302
    assert len(blocks_of_101()) == 1
    page = clinic_admin.get(second["Location"]).content.decode()
    assert "This form was already sent" in page
    [block] = blocks_of_101()
    delete_url = f"/staff/availability/101/blocks/{block.id}/delete/"
    key = new_key()
    assert clinic_admin.post(delete_url, {"key": key}).status_code == 302
    again = clinic_admin.post(delete_url, {"key": key})  # gone, but no 404: it was this form
    assert again.status_code == 302
    assert blocks_of_101() == []


def test_a_block_in_new_york_daylight_time_reaches_healthie_in_utc(db, patient, pinned_clock):
    # Before the US spring-forward (Sunday March 14, 2027); signed in there.
    pinned_clock.move_to(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    clinic_admin = signed_in("dst-admin", CLINIC_ADMIN)
    sunday = date(2027, 3, 14)
    response = clinic_admin.post(ADD, block_form(sunday))
    assert response.status_code == 302
    [block] = blocks_of_101()
    # 9:00 to 12:00 on the change day is EDT (UTC-4): 13:00 to 16:00 UTC.
    assert block.start.astimezone(UTC) == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert block.end.astimezone(UTC) == datetime(2027, 3, 14, 16, 0, tzinfo=UTC)
    listing = Page(clinic_admin.get("/staff/availability/?provider=101"))
    [row] = [r.text for r in listing.iter() if r.tag == "tr" and r.text.startswith("Sunday")]
    assert row.startswith("Sunday, Mar 14, 2027 9:00 AM 12:00 PM")
    # 2:30 AM does not exist that night: a field error, not a guess.
    skipped = clinic_admin.post(ADD, block_form(sunday, starts="02:30", ends="04:00"))
    assert skipped.status_code == 422
    assert "The clocks skip this time on that day" in skipped.content.decode()
    # A weekday after the change: the block takes 9:00 to 12:00 local time.
    monday = date(2027, 3, 15)
    assert clinic_admin.post(ADD, block_form(monday)).status_code == 302
    assert not [t for t in local_times(patient, monday) if t < time(12)]


def test_bad_input_is_answered_with_field_errors_and_changes_nothing(clinic_admin, patient, day):
    yesterday = timezone.now().astimezone(NEW_YORK).date() - timedelta(days=1)
    for data, error in (
        (block_form(day, starts="12:00", ends="09:00"), "The end must be after the start."),
        (block_form(day, starts="10:00", ends="10:00"), "The end must be after the start."),
        (block_form(yesterday), "The blocked time must not start in the past."),
        (block_form(day, starts="25:00"), "Enter a valid time."),
        ({**block_form(day), "day": "not a day"}, "Enter a valid date."),
        (block_form(day, reason="x" * 201), "Ensure this value has at most 200 characters"),
        (block_form(day, key="forged"), "This form is out of date"),
        (block_form(day, key=""), "This form is out of date"),
    ):
        response = clinic_admin.post(ADD, data)
        assert response.status_code == 422, data
        assert error in response.content.decode(), error
    assert blocks_of_101() == []


def test_a_throttled_healthie_changes_nothing_and_the_form_can_be_sent_again(
    clinic_admin, patient, day, sandbox
):
    sandbox.fault("healthie", "http_429", operation="createAppointment", count=None)
    data = block_form(day)
    response = clinic_admin.post(ADD, data)
    assert response.status_code == 422
    assert "Healthie is not answering right now; nothing was changed." in response.content.decode()
    assert blocks_of_101() == []
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    assert clinic_admin.post(ADD, data).status_code == 302  # the same form, now through
    assert len(blocks_of_101()) == 1


def test_unknown_blocks_and_appointments_are_not_found(clinic_admin, patient):
    # 50001 is a patient's appointment, not a block: this page never edits or deletes it.
    for url in (
        "/staff/availability/101/blocks/50001/edit/",
        "/staff/availability/101/blocks/50001/delete/",
        "/staff/availability/101/blocks/nope/edit/",
    ):
        assert clinic_admin.get(url).status_code == 404, url
    assert (
        clinic_admin.post(
            "/staff/availability/101/blocks/50001/delete/", {"key": new_key()}
        ).status_code
        == 404
    )
    with HealthieClient() as healthie:
        assert healthie.appointment("50001") is not None


def block_urls() -> list[tuple[str, str]]:
    return [
        ("post", ADD),
        ("get", "/staff/availability/101/blocks/50001/edit/"),
        ("post", "/staff/availability/101/blocks/50001/edit/"),
        ("get", "/staff/availability/101/blocks/50001/delete/"),
        ("post", "/staff/availability/101/blocks/50001/delete/"),
    ]


def test_anonymous_users_are_sent_to_sign_in(client):
    for method, url in block_urls():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/staff/login/?next="), url


def test_the_front_desk_and_outsiders_get_403(front_desk, outsider, sandbox):
    for browser in (front_desk, outsider):
        for method, url in block_urls():
            assert getattr(browser, method)(url).status_code == 403, url
    assert blocks_of_101() == []


# Generated hostile input (hypothesis, derandomized): never a 5xx, and a refused post blocks
# nothing in Healthie. A well-formed key is offered often, so the dates and times get checked.
NASTY = ["", " ", "\x00", "9999-12-31", "0001-01-01", "2026-02-30", "24:00", "23:59", "02:30",
         "2027-03-14", "-1", "NaN", "<script>alert(1)</script>", "ա" * 300]  # fmt: skip
VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))
BLOCK_FIELDS = {
    "day": VALUE,
    "starts": VALUE,
    "ends": VALUE,
    "reason": VALUE,
    "key": st.one_of(st.just("0123456789abcdef" * 2), VALUE),
}


@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries({}, optional=BLOCK_FIELDS),
    target=st.sampled_from(["blocks/add", "blocks/50001/edit", "blocks/50001/delete"]),
)
def test_generated_block_posts(clinic_admin, demo_pages, sandbox, data, target):
    before = blocks_of_101()
    response = clinic_admin.post(f"/staff/availability/101/{target}/", data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert blocks_of_101() == before
