"""Days and times are cached briefly, fetched once under concurrency, dropped when we book."""

import os

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.scheduling.conftest import Patient, day_of, open_days, run_threads, times

pytestmark = pytest.mark.django_db(transaction=True)

BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "redis": {
        "BACKEND": "config.redis_cache.RedisCache",  # production's (config.settings)
        "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"),
    },
}


@pytest.fixture(params=sorted(BACKENDS))
def cache_backend(request):
    if request.param == "redis" and "REDIS_URL" not in os.environ:
        pytest.skip("no Redis (run through python -m tests.services)")
    with override_settings(CACHES={"default": BACKENDS[request.param]}):
        cache.clear()
        yield request.param
        cache.clear()


def count(sandbox, operation: str) -> int:
    return len(sandbox.calls(vendor="healthie", operation=operation))


def test_days_and_times_are_cached_per_zone(patient, sandbox, cache_backend):
    patient.calendar()
    patient.calendar()
    assert count(sandbox, "daysAvailableForRange") == 1
    assert count(sandbox, "nextAvailableSlot") == 0  # the window's days give the first open day
    times_response = patient.times_page()
    patient.times_page(day_of(times_response))
    assert count(sandbox, "availableSlotsForRange") == 1
    Patient(tz="America/Chicago").times_page(day_of(times_response))
    assert count(sandbox, "availableSlotsForRange") == 2  # another zone, another entry
    assert count(sandbox, "appointmentTypes") == 1 and count(sandbox, "organizationMembers") == 1


def test_concurrent_identical_misses_make_one_upstream_call(patient, sandbox, cache_backend):
    day = open_days(patient.calendar().content.decode())[0]
    sandbox.fault(
        "healthie", "latency", operation="availableSlotsForRange", latency_ms=400, count=None
    )

    def look(_):
        response = Patient().times_page(day)
        return response.status_code, len(times(response.content.decode()))

    outcomes = run_threads(12, look)
    assert len(set(outcomes)) == 1 and outcomes[0][0] == 200 and outcomes[0][1] > 0
    assert count(sandbox, "availableSlotsForRange") == 1


def test_our_booking_drops_that_providers_cache(patient, sandbox, cache_backend):
    times_response = patient.times_page()
    day = day_of(times_response)
    other = Patient().times_page(day, provider="102")
    assert other.status_code == 200
    assert count(sandbox, "availableSlotsForRange") == 2

    hold, slot = patient.hold(times_response)
    review = patient.submit_details(patient.details_page(hold))
    assert "/booked/" in patient.confirm(review)["Location"]

    after = Patient().times_page(day)
    assert count(sandbox, "availableSlotsForRange") == 3  # provider 101: fetched again
    assert slot not in [value for value, _ in times(after.content.decode())]
    Patient().times_page(day, provider="102")
    assert count(sandbox, "availableSlotsForRange") == 3  # provider 102: still cached
