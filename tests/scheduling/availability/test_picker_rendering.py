"""The picker's day buttons and time buttons are rendered once per exact input and reused
(common.pages.month_rows / time_list): reuse must never offer a held or booked slot, and a
cache-hit view that is rendered again stays cheap (one database query for the page, one for
holds; a whole page also its embed origins). A repeated partial is not even rendered
(test_picker_cache.py)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from scheduling.common import pages as common_pages
from scheduling.models import SlotHold
from tests.scheduling.conftest import Patient, day_of, hidden, times
from tests.scheduling.html import Page

pytestmark = pytest.mark.django_db(transaction=True)


def offered(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [value for value, _ in times(response.content.decode())]


def test_a_reused_time_list_never_offers_a_slot_held_since(pages, sandbox):
    alice, bob = Patient(), Patient()
    first = bob.times_page()
    day = day_of(first)
    reused_before = common_pages._time_list.cache_info().hits
    assert offered(bob.times_page(day)) == offered(first)
    assert common_pages._time_list.cache_info().hits > reused_before  # the same list, reused

    hold, slot = alice.hold(first)
    assert hold.status_code == 302
    after = offered(bob.times_page(day))
    assert slot not in after and after == [s for s in offered(first) if s != slot]

    SlotHold.objects.all().delete()  # released: the slot is offered again
    assert slot in offered(bob.times_page(day))


def test_a_booked_slot_is_gone_from_the_next_view_of_the_same_day(pages, sandbox):
    alice, bob = Patient(), Patient()
    first = bob.times_page()
    day = day_of(first)
    hold, slot = alice.hold(first)
    review = alice.submit_details(alice.details_page(hold))
    token = hidden(review.content.decode(), "confirm_token")
    confirmed = alice.post("/book/riverside/confirm/", {"confirm_token": token})
    assert "/booked/" in confirmed["Location"]
    SlotHold.objects.all().delete()  # only the booking keeps the slot now
    assert slot not in offered(bob.times_page(day))


def test_the_month_rows_are_kept_per_language_and_per_open_days():
    month, today = date(2027, 3, 1), date(2027, 3, 2)
    with translation.override("en"):
        english = common_pages.month_rows(month, {date(2027, 3, 10)}, today, None)
        assert common_pages.month_rows(month, {date(2027, 3, 10)}, today, None) is english
        other_days = common_pages.month_rows(month, {date(2027, 3, 11)}, today, None)
    with translation.override("es"):
        spanish = common_pages.month_rows(month, {date(2027, 3, 10)}, today, None)
    assert spanish is not english  # rendered in its own language, never the other's
    assert 'value="2027-03-10"' in spanish
    open_in = [b.value for b in Page(other_days).buttons(name="day") if not b.disabled]
    assert open_in == ["2027-03-11"]


def test_a_cache_hit_view_of_a_day_reads_the_page_and_the_holds_only(pages, sandbox):
    patient = Patient()
    day = day_of(patient.times_page())
    url = "/book/riverside/times/"
    patient.get(url, patient.flow_params(day=day))  # Healthie's answers cached
    with CaptureQueriesContext(connection) as queries:
        response = patient.get(url, patient.flow_params(day=day))  # a whole page: rendered
    assert response.status_code == 200 and times(response.content.decode())
    # The page, the holds, and the page's embed origins for its frame-ancestors (common.origin).
    assert len(queries) == 3, [q["sql"][:80] for q in queries.captured_queries]
