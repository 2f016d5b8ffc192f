"""The demo shows the widget (issue 11): `manage.py demo` allows its sample clinic site on the
booking pages, and the home page links to that site."""

from django.test import Client

from scheduling.management.commands.demo import Command
from scheduling.models import BookingPage

SITE = "http://localhost:8100/clinic-site/"
LINK = "See the booking widget on a sample clinic website"


def test_the_demo_allows_its_clinic_site_on_every_page_once(pages):
    BookingPage.objects.filter(slug="dr-chen").update(embed_origins=["https://chen.example"])
    for _ in range(2):  # every start of the demo
        Command().allow_clinic_site("http://localhost:8100")
    listed = dict(BookingPage.objects.values_list("slug", "embed_origins"))
    assert listed["riverside"] == ["http://localhost:8100"]
    assert listed["dr-chen"] == ["https://chen.example", "http://localhost:8100"]


def test_the_home_page_links_to_the_sample_clinic_site_in_the_demo_only(pages, settings):
    settings.DEMO_CLINIC_SITE_URL = SITE
    shown = Client().get("/").content.decode()
    assert f'<a href="{SITE}">{LINK}</a>' in shown
    settings.DEMO_CLINIC_SITE_URL = ""
    assert LINK not in Client().get("/").content.decode()
