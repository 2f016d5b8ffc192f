"""What the booking pages cost at Healthie: three calls for a whole booking once the catalogue is
cached, one round trip for a picker that misses, nothing for a month the window already covers."""

from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache

from scheduling.common import timefmt
from tests.scheduling.conftest import Patient, day_of, open_days

pytestmark = pytest.mark.django_db(transaction=True)


def operations(sandbox) -> list[str]:
    return sorted(call["operation"] for call in sandbox.calls(vendor="healthie"))


def book(patient: Patient) -> None:
    review, _ = patient.to_review()
    assert "/booked/" in patient.confirm(review)["Location"]


def test_a_booking_costs_three_healthie_calls_once_the_catalogue_is_cached(patient, sandbox):
    book(patient)  # fills the catalogue, and its checkout drops provider 101's availability
    sandbox.http.delete("/_sandbox/calls").raise_for_status()

    book(Patient(details={**patient.details, "email": "grace.hopper@example.com"}))

    assert operations(sandbox) == [
        "availableSlotsForRange",
        "completeCheckout",
        "daysAvailableForRange",
    ]


def test_the_windows_months_cost_no_further_call(patient, sandbox):
    first = open_days(patient.calendar().content.decode())[0]
    month = date.fromisoformat(first).replace(day=1)
    for ahead in (1, 2):
        following = timefmt.add_months(month, ahead).strftime("%Y-%m")
        assert patient.calendar(month=following).status_code == 200
    assert operations(sandbox).count("daysAvailableForRange") == 1

    beyond = timefmt.add_months(month, 6).strftime("%Y-%m")
    assert patient.calendar(month=beyond).status_code == 200
    assert operations(sandbox).count("daysAvailableForRange") == 2  # past the window: its month


def test_a_picker_that_misses_twice_waits_for_one_round_trip(patient, sandbox):
    day = open_days(patient.calendar().content.decode())[0]
    cache.clear()  # a later visit: neither the window's days nor the day's times are cached
    sandbox.http.delete("/_sandbox/calls").raise_for_status()
    for operation in ("daysAvailableForRange", "availableSlotsForRange"):
        sandbox.fault("healthie", "latency", operation=operation, latency_ms=400, count=None)

    response = patient.times_page(day)
    assert response.status_code == 200 and day_of(response) == day

    spans = {}
    for call in sandbox.calls(vendor="healthie"):
        end = datetime.fromisoformat(call["at"])
        spans[call["operation"]] = (end - timedelta(milliseconds=call["duration_ms"]), end)
    days, slots = spans["daysAvailableForRange"], spans["availableSlotsForRange"]
    assert days[0] < slots[1] and slots[0] < days[1]  # in flight at the same time
