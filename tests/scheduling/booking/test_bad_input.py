"""Out-of-range and malformed input gets a clear answer with the site's own page, never a 500
(issue 13, defect 4): far-away months and days, impossible instants, NUL bytes."""

import pytest

from scheduling.models import Booking
from tests.scheduling.conftest import Patient, hidden
from tests.scheduling.manage.helpers import Manager, book

pytestmark = pytest.mark.django_db(transaction=True)

FAR_DAYS = ["9999-12-31", "0001-01-01", "1899-12-31", "2999-01-01"]
FAR_MONTHS = ["9999-12", "0001-01", "1899-12"]


@pytest.mark.parametrize("month", FAR_MONTHS)
def test_a_far_month_shows_a_month_that_can_be_booked(patient, month):
    response = patient.calendar(month=month)
    assert response.status_code == 200
    assert "Choose a date and time" in response.content.decode()


@pytest.mark.parametrize("day", FAR_DAYS)
def test_a_far_day_goes_back_to_the_calendar(patient, day):
    response = patient.get("/book/riverside/times/", patient.flow_params(day=day))
    assert response.status_code == 302
    assert "/book/riverside/calendar/" in response["Location"]


@pytest.mark.parametrize("slot", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_impossible_slot_is_a_400(patient, slot):
    times_response = patient.times_page()
    token = hidden(times_response.content.decode(), "form_token")
    response = patient.post("/book/riverside/hold/", {"form_token": token, "slot": slot})
    assert response.status_code == 400
    assert "Something went wrong with this form" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/book/riverside/details/?hold=%00",
        "/book/riverside/booked/%00/",
        "/book/riverside/booked/%00/calendar.ics",
        "/book/riverside/booked/%00/access/",
        "/questionnaire/%00/",
        "/manage/%00/",
    ],
)
def test_a_nul_byte_is_not_found_or_starts_over(patient, path):
    response = Patient().client.get(path)
    assert response.status_code in (302, 404), response.status_code
    assert not Booking.objects.exists()


@pytest.mark.parametrize("params", [{"month": "9999-12"}, {"day": "9999-12-31"}, {"hold": "\0"}])
def test_the_reschedule_steps_answer_far_and_malformed_input(pages, sandbox, params):
    manager = Manager(book())
    step = "reschedule/times/" if "day" in params else "reschedule/"
    response = manager.get(step, {"tz": manager.tz, **params})
    assert response.status_code in (200, 302), response.status_code
    review = manager.get("reschedule/review/", {"tz": manager.tz, "hold": "\0"})
    assert review.status_code == 302


@pytest.mark.parametrize("month", ["2099-12", "2000-01"])
def test_the_edges_of_the_bookable_range_are_pages(patient, month):
    assert patient.calendar(month=month).status_code == 200
    day = f"{month}-01"
    response = patient.get("/book/riverside/times/", patient.flow_params(day=day))
    assert response.status_code in (200, 302)
