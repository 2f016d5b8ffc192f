"""Rate limits (issue 13, defect 11): guessing secret links and hammering pages gets the site's
429 page with Retry-After, while many patients behind one clinic NAT keep working."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone

from scheduling.models import Booking
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part
from tests.scheduling.conftest import ORIGIN
from tests.scheduling.html import Page
from tests.security.helpers import confirmed

NAT = "203.0.113.7"  # one clinic's public address, shared by its patients
GUESSES = 20  # settings.RATE_LIMITS["link_misses"] default: "20/10m"


@pytest.fixture(autouse=True)
def still_clock(pinned_clock):
    """The pinned instant, held still: a count never straddles the end of a rate's window
    (django-ratelimit's windows are fixed), so a test's requests all count together."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def assert_too_many(response, *, window: int = 600):
    """The 429 page; Retry-After is at most the rate's `window` (seconds)."""
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= window
    content = response.content.decode()
    assert "Too many requests" in content
    assert '<a class="skip-link"' in content  # the site's own layout
    assert "no-store" in response["Cache-Control"]


def test_guessing_manage_links_is_stopped_after_the_allowed_misses(db, still_clock):
    guesser = from_address(NAT)
    for _ in range(GUESSES):
        assert guesser.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404
    assert_too_many(guesser.get(f"/manage/{secrets.token_urlsafe(32)}/"))
    # Another address is not affected; the guesser is answered again after the window.
    assert (
        from_address("198.51.100.1").get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404
    )
    still_clock.move_to(timezone.now() + timedelta(minutes=11))
    assert guesser.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404


def test_guessing_references_counts_confirmation_and_questionnaire_misses_together(pages):
    guesser = from_address(NAT)
    for n in range(GUESSES):
        reference = secrets.token_hex(13)
        path = f"/book/riverside/booked/{reference}/" if n % 2 else f"/questionnaire/{reference}/"
        assert guesser.get(path).status_code == 404
    blocked = guesser.get(f"/book/riverside/booked/{secrets.token_hex(13)}/calendar.ics")
    assert_too_many(blocked)
    assert_too_many(guesser.get(f"/questionnaire/{secrets.token_hex(13)}/"))


def test_many_patients_behind_one_nat_open_their_confirmation_pages(pages):
    """Normal use never misses: 40 patients, one address, each page three times (page, .ics,
    polled links) is well past the per-address miss limit, and nobody is refused."""
    bookings = [confirmed(pages["riverside"], n) for n in range(40)]
    clinic = from_address(NAT)
    for booking in bookings:
        base = f"/book/riverside/booked/{booking.reference}/"
        for path in (base, f"{base}calendar.ics", f"{base}access/"):
            response = clinic.get(path)
            assert response.status_code in (200, 286), (path, response.status_code)
            assert "no-store" in response["Cache-Control"]


@override_settings(RATE_LIMITS={"confirmation": "5/m", "link_misses": "20/10m"})
def test_one_confirmation_page_is_limited_per_booking_not_per_address(pages):
    first, second = confirmed(pages["riverside"], 1), confirmed(pages["riverside"], 2)
    clinic = from_address(NAT)
    for _ in range(5):
        assert clinic.get(f"/book/riverside/booked/{first.reference}/").status_code == 200
    assert_too_many(clinic.get(f"/book/riverside/booked/{first.reference}/"), window=60)
    # htmx polling gets the problem as the part it swaps in, not a whole page.
    polled = clinic.get(f"/book/riverside/booked/{first.reference}/access/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 429 and "<html" not in polled.content.decode()
    assert clinic.get(f"/book/riverside/booked/{second.reference}/").status_code == 200


@override_settings(RATE_LIMITS={"manage_link": "3/m", "link_misses": "20/10m"})
def test_a_manage_link_is_limited_per_link(booked):
    """Each manage page reads Healthie: one link can't be used to hammer it."""
    booking = booked()
    other = booked(email="another.patient@example.com")
    patient = from_address(NAT)
    for _ in range(3):
        assert patient.get(f"/manage/{booking.manage_token}/").status_code == 200
    refused = patient.get(f"/manage/{booking.manage_token}/")
    assert_too_many(refused)
    assert refused["Referrer-Policy"] == "same-origin"  # still the private manage page
    assert patient.get(f"/manage/{other.manage_token}/").status_code == 200


@override_settings(RATE_LIMITS={"booking_posts": "3/m"})
def test_booking_posts_are_limited_per_address(pages, sandbox):
    hammer, neighbour = from_address(NAT), from_address("198.51.100.1")
    data = {"form_token": "forged", "slot": "x"}
    for _ in range(3):
        assert hammer.post("/book/riverside/hold/", data, HTTP_ORIGIN=ORIGIN).status_code == 400
    assert_too_many(hammer.post("/book/riverside/confirm/", data, HTTP_ORIGIN=ORIGIN))
    assert neighbour.post("/book/riverside/hold/", data, HTTP_ORIGIN=ORIGIN).status_code == 400
    # Pages (GET) are not posts: the limited address can still read the booking page.
    assert hammer.get("/book/riverside/?tz=America/New_York").status_code in (200, 302)
    assert not Booking.objects.exists()


def test_each_questionnaire_click_mints_a_semble_token_so_clicks_are_limited(
    booked, plan, sandbox, django_capture_on_commit_callbacks
):
    booking = booked()
    with django_capture_on_commit_callbacks(execute=False):
        ids = provisioning_services.provisioning_start(booking_id=booking.id)
    for provision_id in ids:
        provision_part.apply(args=[provision_id])
    tokens_before = sandbox.configure("semble")["tokens"]
    patient = from_address(NAT)
    for _ in range(10):  # settings.RATE_LIMITS["questionnaire"] default: "10/h"
        assert patient.get(f"/questionnaire/{booking.reference}/").status_code == 302
    assert_too_many(patient.get(f"/questionnaire/{booking.reference}/"), window=3600)
    assert sandbox.configure("semble")["tokens"] == tokens_before + 10


@override_settings(QUALIPHY_WEBHOOK_SECRET="the-real-secret")
def test_guessing_the_webhook_secret_is_stopped(db):
    guesser = from_address(NAT)
    for _ in range(GUESSES):
        url = f"/webhooks/qualiphy/{secrets.token_urlsafe(16)}/"
        assert guesser.post(url, "{}", content_type="application/json").status_code == 404
    blocked = guesser.post(
        "/webhooks/qualiphy/the-real-secret/", "{}", content_type="application/json"
    )
    assert_too_many(blocked)


@pytest.mark.parametrize(
    ("header_setting", "forwarded", "counted_as"),
    [
        ("", "198.51.100.9", NAT),  # no proxy configured: a client's header is ignored
        ("X-Forwarded-For", "192.0.2.1, 198.51.100.9", "198.51.100.9"),  # the proxy's entry
        ("X-Forwarded-For", "not an address", NAT),  # unreadable: the connection's address
    ],
)
def test_the_client_address_comes_from_the_proxy_header_only_when_configured(
    db, header_setting, forwarded, counted_as
):
    with override_settings(RATE_LIMIT_CLIENT_IP_HEADER=header_setting):
        client = Client(REMOTE_ADDR=NAT, HTTP_X_FORWARDED_FOR=forwarded)
        for _ in range(GUESSES):
            assert client.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404
        direct = Client(REMOTE_ADDR=counted_as)
        assert direct.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 429


def test_ipv6_clients_count_as_their_whole_64(db):
    for n in range(GUESSES):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        assert client.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404
    neighbour = Client(REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert neighbour.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 429
    elsewhere = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert elsewhere.get(f"/manage/{secrets.token_urlsafe(32)}/").status_code == 404


def test_the_429_page_names_the_wait_and_keeps_the_site_layout(db):
    guesser = from_address(NAT)
    for _ in range(GUESSES + 1):
        response = guesser.get(f"/manage/{secrets.token_urlsafe(32)}/")
    assert Page(response.content.decode()).headings("Too many requests", level=1)
    assert "Please wait" in response.content.decode()
