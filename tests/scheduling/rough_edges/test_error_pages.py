"""Error pages (404, 500) use the site's own layout and, on the patient pages, can be framed by
the clinic's site as the booking page can: a blank or refused frame is what the patient would
otherwise see inside the clinic's iframe."""

import secrets

import pytest
from django.test import Client, override_settings

from scheduling.booking import views as booking_views
from tests.scheduling.html import Page
from tests.security.helpers import policy

EMBED = "https://clinic.example"


def assert_site_page(response, status: int, heading: str) -> None:
    assert response.status_code == status
    page = Page(response.content.decode())
    assert [h.text for h in page.headings(level=1)] == [heading]
    # The site's layout: its stylesheet and skip link, not Django's bare "Not Found".
    assert page.one("link", "Skip to main content")
    assert "/static/scheduling/site" in response.content.decode()


def assert_framable_by_the_clinic(response) -> None:
    assert "X-Frame-Options" not in response
    assert policy(response)["frame-ancestors"] == f"'self' {EMBED}"


@override_settings(BOOKING_EMBED_ORIGINS=[EMBED])
@pytest.mark.parametrize(
    "path",
    [
        "/manage/{token}/",
        "/manage/{token}/reschedule/",
        "/manage/{token}/cancel/",
        "/book/no-such-clinic/",
        "/book/no-such-clinic/calendar/",
        "/book/riverside/no-such-step/",
    ],
)
def test_an_unknown_link_gets_the_sites_own_404_page_framable_by_the_clinic(pages, path):
    response = Client().get(path.format(token=secrets.token_urlsafe(32)))
    assert_site_page(response, 404, "Page not found")
    assert_framable_by_the_clinic(response)


@override_settings(BOOKING_EMBED_ORIGINS=[EMBED])
def test_a_crash_on_a_booking_step_gets_the_500_page_framable_by_the_clinic(
    pages, sandbox, monkeypatch
):
    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(booking_views, "_load", crash)
    response = Client(raise_request_exception=False).get(
        "/book/riverside/calendar/?type=301&tz=America/New_York"
    )
    assert_site_page(response, 500, "Something went wrong on our side")
    assert_framable_by_the_clinic(response)


@override_settings(BOOKING_EMBED_ORIGINS=[EMBED])
def test_error_pages_outside_the_patient_pages_stay_unframeable(db):
    response = Client().get("/nowhere/")
    assert_site_page(response, 404, "Page not found")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" not in policy(response)
