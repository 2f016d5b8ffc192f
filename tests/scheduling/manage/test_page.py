"""The manage page: an unguessable link, tokens that only open their own booking, posts
only from allowed origins, and nothing private in the logs."""

import logging
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from scheduling.models import Booking
from tests.scheduling.conftest import NEW_YORK, ORIGIN, hidden
from tests.scheduling.html import Page
from tests.scheduling.manage.helpers import (
    Manager,
    book,
    text,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_confirmation_links_to_an_unguessable_manage_page(pages, sandbox):
    booking = book()
    confirmation = Client().get(f"/book/riverside/booked/{booking.reference}/")
    content = text(confirmation)
    manage_url = f"/manage/{booking.manage_token}/"
    assert manage_url in content and "Reschedule or cancel" in content
    # 256 random bits, URL-safe; neither the id nor the reference.
    assert len(booking.manage_token) == 43
    assert booking.manage_token not in (booking.reference, str(booking.pk))
    assert booking.reference not in booking.manage_token

    page = Manager(booking).page()
    content = text(page)
    assert page.status_code == 200
    assert "Your appointment" in content
    local = booking.start.astimezone(ZoneInfo(NEW_YORK))
    assert f"{local:%A}, {local:%B} {local.day}, {local.year}" in content
    assert "Maya Chen" in content and "Video call" in content
    links = Page(content)
    assert links.one("link", "Reschedule")["href"].startswith(f"{manage_url}reschedule/?tz=")
    assert links.one("link", "Cancel appointment")["href"] == f"{manage_url}cancel/"
    # No account, no cookie; embeddable like the booking pages; a capability URL stays private.
    assert not page.cookies
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]
    assert page["Cache-Control"] == "no-store, private"
    assert page["Referrer-Policy"] == "same-origin"
    booking.refresh_from_db()
    assert booking.healthie_checked_at is not None
    assert booking.healthie_pm_status == ""


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # well formed, unknown
        "not-a-token",  # wrong shape
        "x" * 200,
    ],
)
def test_unknown_manage_tokens_are_404(pages, sandbox, token):
    booking = book()
    for step in ("", "reschedule/", "reschedule/times/?day=2026-12-01", "cancel/"):
        response = Client().get(f"/manage/{token}/{step}")
        assert response.status_code == 404
        content = response.content.decode()
        for secret in (booking.reference, booking.first_name, booking.email, "Maya Chen"):
            assert secret not in content
    response = Client().post(f"/manage/{token}/cancel/", {}, HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 404
    assert not sandbox.calls(vendor="healthie", operation="updateAppointment")


def test_tampered_and_substituted_manage_tokens_are_404(pages, sandbox):
    booking = book()
    token = booking.manage_token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for candidate in (tampered, token.upper(), booking.reference, str(booking.pk), token[:-2]):
        response = Client().get(f"/manage/{candidate}/")
        assert response.status_code == 404, candidate
        assert booking.reference not in response.content.decode()
    assert Client().get(f"/manage/{token}/").status_code == 200


def test_a_form_signed_for_one_booking_does_not_work_on_another(pages, sandbox):
    first = book()
    second = book(skip=1)
    cancel_page = Manager(first).cancel_page()
    token = hidden(cancel_page.content.decode(), "form_token")
    response = Manager(second).post("cancel/", {"form_token": token})
    assert response.status_code == 400
    assert Booking.objects.filter(status=Booking.Status.CANCELLED).count() == 0
    # Forged or altered form tokens change nothing either.
    forged = Manager(first).post("cancel/", {"form_token": token[:-3] + "abc"})
    assert forged.status_code == 400
    assert not sandbox.calls(vendor="healthie", operation="updateAppointment")


def test_posts_need_an_allowed_origin(pages, sandbox):
    manager = Manager(book())
    token = hidden(manager.cancel_page().content.decode(), "form_token")
    response = manager.post("cancel/", {"form_token": token}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not sandbox.calls(vendor="healthie", operation="updateAppointment")


def test_the_manage_token_and_patient_data_stay_out_of_logs(pages, sandbox, caplog):
    booking = book()
    manager = Manager(booking)
    caplog.set_level(logging.DEBUG)
    manager.page()
    review, _ = manager.to_review()
    sandbox.fault("healthie", "http_500", operation="updateAppointment", count=None)
    assert manager.confirm(review).status_code == 503  # a 5xx Django would log with its path
    sandbox.http.delete("/_sandbox/faults").raise_for_status()
    assert manager.post("cancel/", {"form_token": "forged"}).status_code == 400
    assert manager.get("nope/").status_code == 404
    assert manager.cancel(reason="Private matter").status_code == 302
    logged = caplog.text
    assert "manage POST /manage/<token>/reschedule/confirm/: 503" in logged
    for secret in (booking.manage_token, booking.email, booking.first_name, "Private matter"):
        assert secret not in logged
