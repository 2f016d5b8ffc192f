"""Per-page embedding (issue 11): each booking page is framed by, and posted to from, the sites
in BOOKING_EMBED_ORIGINS plus its own embed_origins, and nothing else; a malformed origin never
reaches the Content-Security-Policy header."""

import pytest
from django.test import Client, override_settings
from django.urls import resolve

from scheduling.common.origin import clean_origins, frame_ancestors, normalise_origin
from scheduling.models import BookingPage
from tests.scheduling.conftest import hidden
from tests.security.helpers import confirmed, policy

EVERY_PAGE = "https://group.example"
RIVERSIDE = "https://riverside.example"
CHEN = "http://localhost:8100"


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("https://Clinic.Example/", "https://clinic.example"),
        ("https://clinic.example:443", "https://clinic.example"),
        ("http://127.0.0.1:8100", "http://127.0.0.1:8100"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://clinic.example; script-src *", None),
        ("https://clinic.example https://evil.example", None),
        ("*", None),
        ("'self'", None),
        ("https://*.example", None),
        ("https://clinic.example/book", None),
        ("https://clinic.example?x=1", None),
        ("https://user@clinic.example", None),
        ("javascript:alert(1)", None),
        ("ftp://clinic.example", None),
        ("https://clinic.example:99999", None),
        ("https://clin_ic.example", None),
        ("", None),
        (None, None),
        (["https://clinic.example"], None),
    ],
)
def test_only_a_plain_http_origin_is_kept(value, origin):
    assert normalise_origin(value) == origin


def test_a_page_list_keeps_its_valid_origins_once_in_order():
    listed = [RIVERSIDE, "nonsense", "https://RIVERSIDE.example/", EVERY_PAGE, 7]
    assert clean_origins(listed) == [RIVERSIDE, EVERY_PAGE]
    assert clean_origins("https://not-a-list.example") == []


@pytest.fixture
def listed(pages):
    BookingPage.objects.filter(slug="riverside").update(
        embed_origins=[RIVERSIDE, "https://x.example; script-src *", "*"]
    )
    BookingPage.objects.filter(slug="dr-chen").update(embed_origins=[CHEN])
    return pages


@override_settings(BOOKING_EMBED_ORIGINS=[EVERY_PAGE])
def test_frame_ancestors_are_built_per_page(listed, sandbox):
    booking = confirmed(listed["riverside"])
    riverside = f"'self' {EVERY_PAGE} {RIVERSIDE}"
    for path, expected in [
        ("/book/riverside/?tz=America/New_York", riverside),
        ("/book/dr-chen/?tz=America/New_York", f"'self' {EVERY_PAGE} {CHEN}"),
        (f"/book/riverside/booked/{booking.reference}/", riverside),  # by its booking
        (f"/manage/{booking.manage_token}/", riverside),
        (f"/questionnaire/{booking.reference}/", riverside),
        ("/book/", f"'self' {EVERY_PAGE}"),  # no page: the setting's sites only
    ]:
        response = Client().get(path, follow=True)
        assert policy(response)["frame-ancestors"] == expected, path
        assert "X-Frame-Options" not in response, path
        assert "script-src *" not in response["Content-Security-Policy"]


def test_without_the_setting_a_page_allows_its_own_sites_only(listed, sandbox):
    response = Client().get("/book/dr-chen/?tz=America/New_York", follow=True)
    assert policy(response)["frame-ancestors"] == f"'self' {CHEN}"
    BookingPage.objects.filter(slug="dr-chen").update(embed_origins=[])
    response = Client().get("/book/dr-chen/?tz=America/New_York", follow=True)
    assert policy(response)["frame-ancestors"] == "'self'"


def test_posts_are_accepted_from_the_page_own_sites_only(listed, patient):
    content = patient.times_page().content.decode()
    data = {"form_token": hidden(content, "form_token"), "slot": "x"}
    hold_url = "/book/riverside/hold/"
    # Past the Origin check, a made-up slot is refused by its step token check: 400.
    assert patient.post(hold_url, data, HTTP_ORIGIN=RIVERSIDE).status_code == 400
    assert patient.post(hold_url, data, HTTP_ORIGIN=CHEN).status_code == 403  # another page's
    refused = patient.post(hold_url, data, HTTP_ORIGIN="https://x.example")
    assert refused.status_code == 403
    assert "can&#x27;t be sent from here" in refused.content.decode()


def test_an_htmx_swap_reads_no_page_list(listed, patient, django_assert_num_queries):
    """A partial is never a framed document, so its frame-ancestors need not name the page's
    sites; the whole page (and an htmx history restore) does."""
    params = patient.flow_params()
    whole = patient.get("/book/riverside/calendar/", params)
    assert RIVERSIDE in policy(whole)["frame-ancestors"]
    swap = patient.get("/book/riverside/calendar/", params, HTTP_HX_REQUEST="true")
    assert policy(swap)["frame-ancestors"] == "'self'"
    restore = patient.get(
        "/book/riverside/calendar/",
        params,
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert RIVERSIDE in policy(restore)["frame-ancestors"]


def test_a_view_outside_embeddable_reads_the_page_from_its_url(listed, rf):
    """For pages answered elsewhere (an error page, say): frame_ancestors(request) finds the
    booking page from the URL the request resolved to."""
    request = rf.get("/book/dr-chen/calendar/")
    request.resolver_match = resolve("/book/dr-chen/calendar/")
    assert frame_ancestors(request) == ["'self'", CHEN]
    unresolved = rf.get("/nowhere/")
    unresolved.resolver_match = None
    assert frame_ancestors(unresolved) == ["'self'"]
