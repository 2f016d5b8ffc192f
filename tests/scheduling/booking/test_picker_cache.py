"""Whole picker partials are stored and served again (booking.picker_cache) only while
nothing they show has changed: a hold placed, renewed, released or expired, a booking, a
provider's availability, a page, the patient's midnight, their language."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scheduling.availability import services as availability_services
from scheduling.common import conf
from scheduling.models import BookingPage, SlotHold
from tests.scheduling.conftest import NEW_YORK, Patient, day_of, times

pytestmark = pytest.mark.django_db(transaction=True)

TIMES = "/book/riverside/times/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def partial(patient: Patient, day: str, **headers):
    """The day's times as htmx asks for them, and how many database queries answering took
    (none: served as stored)."""
    with CaptureQueriesContext(connection) as queries:
        response = patient.get(TIMES, patient.flow_params(day=day), **HTMX, **headers)
    assert response.status_code == 200, response.content[:500]
    return response, len(queries)


def offered(response) -> list[str]:
    return [value for value, _ in times(response.content.decode())]


@pytest.fixture
def day(pages, sandbox) -> str:
    return day_of(Patient().times_page())


def test_a_repeated_partial_is_served_as_stored_without_the_database(day):
    bob = Patient()
    first, rendered_with = partial(bob, day)
    again, served_with = partial(bob, day)
    assert rendered_with > 0 and served_with == 0
    assert again.content == first.content
    assert again["HX-Push-Url"] == first["HX-Push-Url"]
    assert "HX-Request" in again["Vary"]


def test_a_hold_placed_elsewhere_takes_the_slot_out_at_once(day):
    alice, bob = Patient(), Patient()
    before, _ = partial(bob, day)
    partial(bob, day)  # stored
    _, slot = alice.hold(alice.times_page(day))
    after, queries = partial(bob, day)
    assert queries > 0  # re-rendered
    assert slot in offered(before) and slot not in offered(after)


def test_a_released_hold_gives_the_slot_back(day):
    alice, bob = Patient(), Patient()
    _, slot = alice.hold(alice.times_page(day))
    held, _ = partial(bob, day)
    SlotHold.objects.all().delete()
    released, _ = partial(bob, day)
    assert slot not in offered(held) and slot in offered(released)


def test_an_expired_hold_gives_the_slot_back_with_nothing_written(day, pinned_clock):
    alice, bob = Patient(), Patient()
    hold_response, slot = alice.hold(alice.times_page(day))
    assert hold_response.status_code == 302
    held, _ = partial(bob, day)
    partial(bob, day)  # stored, valid until the hold ends
    expiry = SlotHold.objects.get().expires_at
    pinned_clock.move_to(expiry + timedelta(seconds=1))
    expired, queries = partial(bob, day)
    assert queries > 0
    assert slot not in offered(held) and slot in offered(expired)


def test_a_provider_availability_change_re_renders(day):
    bob = Patient()
    partial(bob, day)
    availability_services.availability_invalidate(provider_ids=["101"])
    _, queries = partial(bob, day)
    assert queries > 0


def test_a_saved_page_re_renders_every_picker(day):
    bob = Patient()
    partial(bob, day)
    BookingPage.objects.get(slug="riverside").save()
    _, queries = partial(bob, day)
    assert queries > 0


def test_a_stored_picker_ends_at_the_patients_midnight(day, pinned_clock):
    bob = Patient()
    partial(bob, day)
    local = timezone.now().astimezone(ZoneInfo(NEW_YORK))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    pinned_clock.move_to(midnight.replace(tzinfo=ZoneInfo(NEW_YORK)))
    _, queries = partial(bob, day)
    assert queries > 0


def test_a_stored_picker_lives_no_longer_than_the_availability_cache(day, pinned_clock):
    bob = Patient()
    partial(bob, day)
    later = timezone.now() + timedelta(seconds=conf.availability_cache_seconds())
    pinned_clock.move_to(later)
    _, queries = partial(bob, day)
    assert queries > 0


def test_each_language_gets_its_own_rendering(day):
    bob = Patient()
    english, _ = partial(bob, day)
    spanish, queries = partial(bob, day, HTTP_ACCEPT_LANGUAGE="es")
    assert queries > 0
    assert 'lang="es"' not in english.content.decode()
    assert "Horarios" in spanish.content.decode() and "Horarios" not in english.content.decode()


def test_whole_pages_are_never_served_from_the_store(day):
    bob = Patient()
    partial(bob, day)
    with CaptureQueriesContext(connection) as queries:
        page = bob.get(TIMES, bob.flow_params(day=day))
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert len(queries) > 0


def test_a_stored_picker_answers_with_the_headers_of_a_rendered_one(day):
    bob = Patient()
    first, _ = partial(bob, day)
    again, served_with = partial(bob, day)
    assert served_with == 0
    for header in ("Content-Security-Policy", "Vary", "Content-Language", "Content-Type"):
        assert again[header] == first[header], header
    assert "frame-ancestors 'self'" in again["Content-Security-Policy"]
    assert "X-Frame-Options" not in again and not again.cookies


def test_a_stored_picker_still_refuses_a_host_not_allowed(day):
    bob = Patient()
    partial(bob, day)
    refused = bob.get(TIMES, bob.flow_params(day=day), **HTMX, HTTP_HOST="elsewhere.example")
    assert refused.status_code == 400


def test_an_emptied_cache_drops_the_pickers_a_process_keeps_in_memory(day):
    bob = Patient()
    partial(bob, day)
    cache.clear()  # a flush or an eviction: nothing says what changed meanwhile
    _, queries = partial(bob, day)
    assert queries > 0
