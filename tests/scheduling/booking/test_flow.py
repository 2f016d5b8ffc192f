"""The whole booking flow through the real views, against the sandbox over HTTP."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from icalendar import Calendar

from integrations.healthie.client import HealthieClient
from scheduling.models import Booking, BookingPage
from tests.scheduling.conftest import (
    VIDEO,
    Patient,
    day_buttons,
    days_ahead,
    open_days,
    query_of,
    times,
)
from tests.scheduling.html import Page

pytestmark = pytest.mark.django_db(transaction=True)

FULL_DATE = re.compile(
    r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    r"(January|February|March|April|May|June|July|August|September|October|November|December) "
    r"\d{1,2}, \d{4}$"
)
CLOCK = re.compile(r"^\d{1,2}:\d{2} (AM|PM)$")


def test_full_flow_books_one_healthie_appointment(patient, sandbox):
    responses = []

    # /book/ lists both demo pages; a page starts with the appointment type.
    listing = patient.get("/book/")
    responses.append(listing)
    assert listing.status_code == 200
    assert "Riverside Family Health" in listing.content.decode()
    assert "Dr. Maya Chen" in listing.content.decode()

    start = patient.get("/book/riverside/", {"tz": patient.tz})
    responses.append(start)
    content = start.content.decode()
    assert start.status_code == 200
    for name in ("Initial Consultation", "Video Follow-up", "Phone Check-in"):
        assert name in content
    assert "Care Team Huddle" not in content  # not bookable by clients

    # Initial Consultation offers three contact types: a step of its own.
    contact = patient.get("/book/riverside/contact/", {"type": "301", "tz": patient.tz})
    responses.append(contact)
    assert contact.status_code == 200
    for label in ("Video call", "Phone call", "In person"):
        assert label in contact.content.decode()

    # The organisation page offers a choice of provider, including first available.
    provider = patient.get(
        "/book/riverside/provider/", {"type": "301", "contact": VIDEO, "tz": patient.tz}
    )
    responses.append(provider)
    assert provider.status_code == 200
    for label in ("First available", "Maya Chen", "Samuel Okafor", "Lucia Alvarez"):
        assert label in provider.content.decode()

    # The calendar opens on the month of the first open day; days are real buttons named
    # with full dates, closed days disabled.
    calendar = patient.calendar()
    responses.append(calendar)
    content = calendar.content.decode()
    assert calendar.status_code == 200
    page = Page(content)
    buttons = day_buttons(content)
    assert buttons and all(FULL_DATE.match(b.accessible_name) for b in buttons)
    assert any(b.disabled for b in buttons) and any(not b.disabled for b in buttons)
    first_open = open_days(content)[0]
    assert first_open[:7] in [e.value for e in page.iter() if e.get("name") == "month"]
    assert page.find_all("table") and page.find_all("columnheader")

    # Times of a day far enough ahead to be open all day, grouped, buttons named with the time.
    times_response = patient.times_page(patient.open_days_from(days_ahead(2))[0])
    responses.append(times_response)
    content = times_response.content.decode()
    found = times(content)
    assert found and all(CLOCK.match(label) for _, label in found)
    assert Page(content).headings("Morning", level=3)
    assert Page(content).find_all("button", aria_current="true")  # the chosen day

    # Picking a time holds it and leads to the details form.
    hold, slot = patient.hold(times_response)
    responses.append(hold)
    assert hold.status_code == 302
    assert query_of(hold["Location"])["hold"]
    details = patient.details_page(hold)
    responses.append(details)
    content = details.content.decode()
    for label in ("First name", "Last name", "Email", "Phone"):
        assert Page(content).one("textbox", label)

    review = patient.submit_details(details)
    responses.append(review)
    assert review.status_code == 200
    assert "Check and confirm" in review.content.decode()

    booked = patient.confirm(review)
    responses.append(booked)
    assert booked.status_code == 302
    reference = booked["Location"].rstrip("/").split("/")[-1]
    confirmation = patient.client.get(booked["Location"])
    responses.append(confirmation)
    content = confirmation.content.decode()
    assert "You're booked" in content
    assert "Maya Chen" in content and "Video call" in content
    assert "What happens next" in content
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in content

    # One Healthie appointment, mirrored locally.
    checkouts = sandbox.calls(vendor="healthie", operation="completeCheckout")
    assert len(checkouts) == 1
    booking = Booking.objects.get(reference=reference)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.start == datetime.fromisoformat(slot)
    assert str(booking.pk) != reference and len(reference) >= 26
    with HealthieClient() as client:
        appointment = client.appointment(booking.healthie_appointment_id)
    assert appointment is not None
    assert appointment.start == booking.start
    assert appointment.provider_id == "101"
    assert appointment.patient_id == booking.healthie_patient_id
    assert [(h.from_status, h.to_status) for h in booking.history.all()] == [
        ("", "pending"),
        ("pending", "confirmed"),
    ]
    assert not booking.page.holds.exists()  # the hold is released once booked

    # Nothing in the flow needs or sets a cookie (it must work in a third-party iframe).
    for response in responses:
        assert not response.cookies, response.cookies


def test_steps_skip_when_there_is_no_choice(pages, sandbox):
    patient = Patient(slug="dr-chen")
    # Video Follow-up has one contact type and the page one provider: straight to the calendar.
    response = patient.get("/book/dr-chen/contact/", {"type": "302", "tz": patient.tz})
    assert response.status_code == 302
    assert response["Location"].startswith("/book/dr-chen/calendar/")
    assert query_of(response["Location"])["contact"] == VIDEO
    # A preselected type on the first step skips it.
    response = patient.get("/book/dr-chen/", {"type": "302"})
    assert response.status_code == 302
    # An unknown type falls back to the choice.
    response = patient.get("/book/dr-chen/", {"type": "999"})
    assert response.status_code == 200
    # A step that lacks an earlier answer sends the patient back to it.
    response = patient.get("/book/dr-chen/calendar/", {"tz": patient.tz})
    assert response.status_code == 302
    assert response["Location"].startswith("/book/dr-chen/?")


def test_book_redirects_to_the_only_page(pages, sandbox):
    BookingPage.objects.filter(slug="dr-chen").update(is_active=False)
    response = Patient().get("/book/", {"type": "302"})
    assert response.status_code == 302
    assert response["Location"] == "/book/riverside/?type=302"


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert sorted(BookingPage.objects.values_list("slug", flat=True)) == ["dr-chen", "riverside"]


def test_prefill_reaches_the_details_form(patient):
    prefill = {"first_name": "Grace", "email": "grace.hopper@example.com"}
    day = open_days(patient.calendar().content.decode())[0]
    # Taken on entry, then only its key travels on (booking.prefill), never the values.
    entry = patient.get("/book/riverside/times/", patient.flow_params(day=day, **prefill))
    assert entry.status_code == 302
    assert "Grace" not in entry["Location"] and "pf=" in entry["Location"]
    times_response = patient.client.get(entry["Location"])
    assert "Grace" not in times_response.content.decode()
    hold, _ = patient.hold(times_response)
    details = patient.details_page(hold).content.decode()
    assert Page(details).one("textbox", "First name").value == "Grace"
    assert Page(details).one("textbox", "Email").value == "grace.hopper@example.com"


def is_the_picker(fragment: str) -> bool:
    """The fragment starts with the div#picker (no page around it)."""
    root = next(child for child in Page(fragment).children if not isinstance(child, str))
    return root.tag == "div" and root.get("id") == "picker"


def test_htmx_swaps_only_the_picker_and_pushes_the_step_url(patient):
    day = open_days(patient.calendar().content.decode())[0]
    params = patient.flow_params(day=day)
    response = patient.get("/book/riverside/times/", params, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and is_the_picker(content)
    heading = Page(content).one("heading", re.compile(r"^Times on "))
    assert heading["id"] == "times-heading" and heading["tabindex"] == "-1"
    assert "data-focus-after-swap" in heading.attrs and "data-announce" in heading.attrs
    assert response["HX-Push-Url"].startswith("/book/riverside/times/?")
    assert f"day={day}" in response["HX-Push-Url"]
    assert "HX-Request" in response["Vary"]
    # Month navigation swaps the picker too; without htmx the same URL is a full page.
    month = patient.get("/book/riverside/calendar/", patient.flow_params(), HTTP_HX_REQUEST="true")
    assert is_the_picker(month.content.decode())
    assert "<html" in patient.get("/book/riverside/times/", params).content.decode()


def test_timezone_switch_and_clinic_zone_on_confirmation(pages, sandbox):
    # A patient in Los Angeles books Maya Chen (New York): times in LA, clinic zone stated.
    patient = Patient(tz="America/Los_Angeles")
    times_response = patient.times_page()
    content = times_response.content.decode()
    assert "Pacific Time (America/Los_Angeles)" in content
    slot, label = times(content)[0]
    local = datetime.fromisoformat(slot)
    # Rendered in the patient's zone (PST or PDT, whichever the day is on).
    assert local.utcoffset() == local.astimezone(ZoneInfo("America/Los_Angeles")).utcoffset()
    assert local.utcoffset() in (timedelta(hours=-8), timedelta(hours=-7))
    hold, _ = patient.hold(times_response, slot)
    review = patient.submit_details(patient.details_page(hold))
    booked = patient.confirm(review)
    page = patient.client.get(booked["Location"]).content.decode()
    assert label in page
    assert "in the clinic&#x27;s time zone, Eastern Time (America/New_York)" in page or (
        "in the clinic's time zone, Eastern Time (America/New_York)" in page
    )
    booking = Booking.objects.get()
    assert booking.patient_timezone == "America/Los_Angeles"
    assert booking.provider_timezone == "America/New_York"


def test_without_tz_the_clinic_zone_is_used_and_the_page_asks_the_browser(pages, sandbox):
    patient = Patient()
    params = patient.flow_params()
    del params["tz"]
    response = patient.get("/book/riverside/calendar/", params)
    content = response.content.decode()
    assert response.status_code == 200
    assert "data-tz-detect" in content  # booking.js adds ?tz= from Intl.DateTimeFormat
    [selected] = [o for o in Page(content).find_all("option") if "selected" in o.attrs]
    assert selected.value == "America/New_York"


def test_first_available_books_with_a_free_provider(pages, sandbox):
    patient = Patient()
    review, slot = patient.to_review(provider="any")
    booked = patient.confirm(review)
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.provider_id in {"101", "102", "103"}


def test_ics_download(patient):
    review, _ = patient.to_review()
    booked = patient.confirm(review)
    booking = Booking.objects.get()
    response = patient.client.get(booked["Location"] + "calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{booking.reference}@testserver"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == booking.start
    assert event.decoded("DTEND") == booking.end
    assert "Initial Consultation with Maya Chen" in str(event["SUMMARY"])
    assert booking.email not in response.content.decode()
    # Same file, same UID, every time.
    again = patient.client.get(booked["Location"] + "calendar.ics")
    assert Calendar.from_ical(again.content).walk("VEVENT")[0]["UID"] == event["UID"]


def test_confirmation_of_another_page_or_unknown_reference_is_404(patient):
    review, _ = patient.to_review()
    booked = patient.confirm(review)
    other = booked["Location"].replace("/riverside/", "/dr-chen/")
    assert patient.client.get(other).status_code == 404
    assert patient.client.get("/book/riverside/booked/nope/").status_code == 404


def test_times_across_the_spring_forward_change(pages, sandbox, pinned_clock):
    # US clocks go forward on Sunday, March 14, 2027: 9:00 AM New York is 14:00Z on Friday
    # the 12th and 13:00Z on Monday the 15th. Times stay on the wall clock in every zone.
    pinned_clock.move_to(datetime(2027, 3, 10, 12, tzinfo=UTC))
    patient = Patient()
    calendar = patient.calendar(month="2027-03").content.decode()
    assert {"2027-03-12", "2027-03-15"} <= set(open_days(calendar))
    before = times(patient.times_page("2027-03-12").content.decode())
    after = times(patient.times_page("2027-03-15").content.decode())
    assert before[0] == ("2027-03-12T09:00:00-05:00", "9:00 AM")
    assert after[0] == ("2027-03-15T09:00:00-04:00", "9:00 AM")
    # Seen from Los Angeles (also on daylight time by then): 6:00 AM both days.
    la = Patient(tz="America/Los_Angeles")
    assert times(la.times_page("2027-03-15").content.decode())[0][1] == "6:00 AM"
    assert times(la.times_page("2027-03-12").content.decode())[0][1] == "6:00 AM"


def test_a_provider_with_no_open_times_says_so(pages, sandbox):
    # The clinic removed all of Maya Chen's hours in Healthie: the calendar says so plainly
    # instead of showing month after empty month.
    with HealthieClient() as healthie:
        hours = {  # a weekly one is deleted by its repeating_availability_id, as at Healthie
            availability.repeating_availability_id or availability.id
            for kind in ({"is_repeating": True}, {"one_time": True})
            for availability in healthie.availabilities(provider_id="101", **kind)
        }
        assert hours
        for availability_id in hours:
            healthie.delete_availability(availability_id)
    calendar = Patient().calendar()
    assert calendar.status_code == 200
    assert "There are no open times in the next few months" in Page(calendar).text
    assert not open_days(calendar)
