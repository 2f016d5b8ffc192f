"""Degraded Healthie at confirm (issue 13, defect 10): the checkout's answer was lost and every
look-up fails. Whichever web process answers the next press (one with the catalogue cached or
one without), the patient reads "we're not sure yet, don't book elsewhere" with a link to the
booking's status: never "We can't load times right now"."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from scheduling.booking.tasks import settle_booking
from scheduling.models import Booking

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_broker(monkeypatch):
    sent = []
    monkeypatch.setattr(
        settle_booking, "apply_async", lambda args=None, **kw: sent.append((args, kw))
    )
    return sent


def assert_not_sure(response, booking: Booking) -> None:
    content = response.content.decode()
    assert response.status_code == 202, content[:500]
    assert "We&#x27;re not sure yet" in content
    assert "can&#x27;t tell yet whether your appointment was booked" in content
    assert f"/book/riverside/booked/{booking.reference}/" in content
    assert "load times" not in content


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1, HEALTHIE_MAX_RETRIES=0)
def test_a_lost_checkout_with_failing_lookups_says_not_sure_in_every_process(
    patient, sandbox, no_broker
):
    review, _ = patient.to_review()
    sandbox.fault(
        "healthie", "timeout", operation="completeCheckout", when="after", timeout_seconds=2
    )
    sandbox.fault("healthie", "http_500", operation="users", count=None)  # the look-up fails
    first = patient.confirm(review)
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.UNKNOWN
    assert first.status_code == 202

    # The next press reaches a web process with nothing cached, and every read fails.
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    cache.clear()
    again = patient.confirm(review)
    assert_not_sure(again, booking)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNKNOWN
    assert len(sandbox.calls(vendor="healthie", operation="completeCheckout")) == 1


@override_settings(HEALTHIE_MAX_RETRIES=0)
def test_with_nothing_sent_yet_a_failing_healthie_is_still_the_unavailable_page(patient, sandbox):
    review, _ = patient.to_review()
    cache.clear()
    sandbox.fault("healthie", "http_500", operation="*", count=None)
    response = patient.confirm(review)
    assert response.status_code == 503
    assert "We can&#x27;t load times right now" in response.content.decode()
    assert not Booking.objects.exists()
