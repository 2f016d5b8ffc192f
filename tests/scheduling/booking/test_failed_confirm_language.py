"""The English / Español switch on every page that answers a failed confirm: each goes on to
the patient's place in the other language (the review again, the booking's status, or the
start), and no switch puts patient data in a URL."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test import override_settings

from scheduling.booking.tasks import settle_booking
from scheduling.models import Booking
from tests.scheduling.conftest import ORIGIN
from tests.scheduling.html import Page

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM = "/book/riverside/confirm/"


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr(settle_booking, "apply_async", lambda args=None, **kw: None)


def confirm_as_the_browser(patient, review):
    """The review page's confirm form, posted with every field it holds."""
    return patient.post(CONFIRM, Page(review).form(action=CONFIRM).hidden_fields())


def switch_of(response) -> list:
    nav = [
        e
        for e in Page(response).iter()
        if e.tag == "nav" and "language-switch" in e.get("class", "")
    ]
    assert len(nav) == 1, "no language switch"
    return [e for e in nav[0].iter() if e.get("data-language-switch")]


def no_patient_data_in(urls: list[str], patient) -> None:
    for url in urls:
        for value in patient.details.values():
            assert value not in html.unescape(url), url


def test_a_confirm_healthie_refused_offers_the_review_again_in_spanish(patient, sandbox, no_broker):
    review, _ = patient.to_review()
    sandbox.fault("healthie", "http_500", operation="completeCheckout", count=None)
    failed = confirm_as_the_browser(patient, review)
    assert failed.status_code == 503
    spanish = next(b for b in switch_of(failed) if b["data-language-switch"] == "es")
    assert spanish.tag == "button" and spanish["formaction"] == "/book/riverside/details/?lang=es"
    form = Page(failed).form(action=CONFIRM)  # the switch posts the review's own form
    again = patient.post(spanish["formaction"], form.hidden_fields())
    content = html.unescape(again.content.decode())
    assert again.status_code == 200 and '<html lang="es">' in content
    assert "Revise y confirme" in content or "Confirmar reserva" in content
    assert "ada.lovelace@example.com" in content  # what the patient typed, kept
    no_patient_data_in([spanish["formaction"]], patient)


def test_healthie_down_before_booking_offers_the_review_again_in_spanish(patient, sandbox):
    review, _ = patient.to_review()
    cache.clear()  # the page's types must be read again at the confirm: Healthie answers 500
    sandbox.fault("healthie", "http_500", operation="appointmentTypes", count=None)
    with override_settings(HEALTHIE_MAX_RETRIES=0):
        failed = confirm_as_the_browser(patient, review)
    assert failed.status_code == 503 and Booking.objects.count() == 0
    spanish = next(b for b in switch_of(failed) if b["data-language-switch"] == "es")
    action = spanish["formaction"]
    assert action == "/book/riverside/details/?lang=es"
    hidden = Page(failed).form(action="/book/riverside/details/").hidden_fields()
    assert "confirm_token" not in hidden and hidden["email"] == "ada.lovelace@example.com"
    no_patient_data_in([action], patient)

    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    again = patient.post(action, hidden)
    content = html.unescape(again.content.decode())
    assert again.status_code == 200 and '<html lang="es">' in content
    assert Page(again).form(action="/book/riverside/confirm/?lang=es")  # the review, in Spanish
    assert "Ada" in content and "Lovelace" in content


@override_settings(HEALTHIE_TIMEOUT_SECONDS=1, HEALTHIE_MAX_RETRIES=0)
def test_not_sure_goes_on_to_the_bookings_status_in_spanish(patient, sandbox, no_broker):
    review, _ = patient.to_review()
    sandbox.fault(
        "healthie", "timeout", operation="completeCheckout", when="after", timeout_seconds=3
    )
    sandbox.fault("healthie", "http_500", operation="users", count=None)  # lookup fails too
    first = confirm_as_the_browser(patient, review)
    assert first.status_code == 202
    booking = Booking.objects.get()
    cache.clear()
    sandbox.fault("healthie", "http_500", operation="appointmentTypes", count=None)
    not_sure = confirm_as_the_browser(patient, first)  # clicked again, Healthie still down
    assert not_sure.status_code == 202
    links = {a["data-language-switch"]: a["href"] for a in switch_of(not_sure)}
    status_url = f"/book/riverside/booked/{booking.reference}/"
    assert links == {"en": f"{status_url}?lang=en", "es": f"{status_url}?lang=es"}
    no_patient_data_in(list(links.values()), patient)
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    spanish = patient.client.get(links["es"])
    assert spanish.status_code == 200 and '<html lang="es">' in spanish.content.decode()


def test_a_confirm_with_a_spoilt_form_goes_on_to_the_start_in_the_other_language(patient):
    refused = patient.client.post(
        CONFIRM, {"confirm_token": "nonsense"}, headers={"Origin": ORIGIN, "Accept-Language": "es"}
    )
    assert refused.status_code == 400
    links = {a["data-language-switch"]: a["href"] for a in switch_of(refused)}
    assert links == {"en": "/book/riverside/?lang=en", "es": "/book/riverside/?lang=es"}
    english = patient.client.get(links["en"])
    assert english.status_code == 200 and '<html lang="en">' in english.content.decode()
    assert parse_qs(urlsplit(links["en"]).query) == {"lang": ["en"]}
