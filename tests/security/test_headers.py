"""Response headers (issue 13, defect 11): a full Content-Security-Policy with nothing inline,
frame-ancestors as BOOKING_EMBED_ORIGINS says, and no-store on the secret-link pages, their
error pages included."""

import re
import secrets
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.security.helpers import confirmed, policy

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EMBED = "https://clinic.example"


def test_every_page_sends_the_full_policy_with_nothing_inline(pages, sandbox):
    for path in ("/book/riverside/?tz=America/New_York", "/book/", "/healthz", "/nowhere/"):
        response = Client().get(path, follow=True)
        directives = policy(response)
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_has_inline_script_or_style(template):
    source = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "inline <script>"
    assert "<style" not in source
    assert not re.search(r"\sstyle=", source), "style attribute"
    assert not re.search(r"\son[a-z]+=", source), "event handler attribute"
    assert "hx-on" not in source and "javascript:" not in source


@override_settings(BOOKING_EMBED_ORIGINS=[EMBED])
def test_frame_ancestors_follow_the_embed_setting_and_other_pages_stay_unframeable(
    pages, sandbox, admin_client
):
    booking = confirmed(pages["riverside"])
    for path in (
        "/book/riverside/?tz=America/New_York",
        f"/book/riverside/booked/{booking.reference}/",
        f"/book/riverside/booked/{secrets.token_hex(13)}/",  # its 404 page too
    ):
        response = Client().get(path, follow=True)
        assert policy(response)["frame-ancestors"] == f"'self' {EMBED}", path
        assert "X-Frame-Options" not in response, path
    admin = admin_client.get("/admin/")
    assert admin["X-Frame-Options"] == "DENY"
    assert "frame-ancestors" not in policy(admin)
    with override_settings(BOOKING_EMBED_ORIGINS=[]):
        alone = Client().get("/book/riverside/?tz=America/New_York", follow=True)
    assert policy(alone)["frame-ancestors"] == "'self'"


def test_secret_link_pages_and_their_errors_are_never_stored(pages, sandbox):
    booking = confirmed(pages["riverside"])
    unknown = secrets.token_hex(13)
    client = Client()
    for path, status in [
        (f"/book/riverside/booked/{booking.reference}/", 200),
        (f"/book/riverside/booked/{booking.reference}/calendar.ics", 200),
        (f"/book/riverside/booked/{booking.reference}/access/", 286),
        (f"/book/riverside/booked/{unknown}/", 404),
        (f"/book/riverside/booked/{unknown}/calendar.ics", 404),
        (f"/book/riverside/booked/{unknown}/access/", 404),
        (f"/book/elsewhere/booked/{booking.reference}/", 404),
        (f"/questionnaire/{booking.reference}/", 404),  # no questionnaire in its plan
        (f"/questionnaire/{unknown}/", 404),
        (f"/manage/{booking.manage_token}/", 200),
        (f"/manage/{booking.manage_token}/nowhere/", 404),
        (f"/manage/{secrets.token_urlsafe(32)}/", 404),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        assert "no-store" in response["Cache-Control"], path
        assert response["Referrer-Policy"] == "same-origin", path
        if status == 404:
            assert "Page not found" in response.content.decode(), path  # the site's own page


def test_the_brand_colour_is_a_stylesheet_of_its_own(pages, sandbox):  # the page reads Healthie
    page = pages["riverside"]
    html = Client().get("/book/riverside/?tz=America/New_York", follow=True).content.decode()
    href = f"/book/riverside/brand.css?v={page.brand_colour[1:]}"
    assert f'<link rel="stylesheet" href="{href}">' in html
    css = Client().get(href)
    assert css["Content-Type"].startswith("text/css")
    assert css.content.decode().strip() == f":root {{ --brand: {page.brand_colour}; }}"
    assert Client().get("/book/no-such-page/brand.css").status_code == 404
    page.brand_colour = "red;}a{"  # past the model's validator: not served
    page.save()
    assert Client().get("/book/riverside/brand.css").content == b""
