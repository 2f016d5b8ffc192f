"""Who may open each clinic console URL: anonymous users are sent to sign in, signed-in users
without a staff role get 403, the front desk only the attendance report, clinic admins all."""

import pytest
from django.test import Client

from scheduling.models import AppointmentTypePlan, BookingPage

REPORT = "/staff/report/"


def clinic_urls() -> list[tuple[str, str]]:
    page = BookingPage.objects.get(slug="riverside")
    plan = AppointmentTypePlan.objects.get(appointment_type_id="302")
    return [
        ("get", "/staff/availability/"),
        ("get", "/staff/availability/?provider=101"),
        ("post", "/staff/availability/101/add/"),
        ("get", "/staff/availability/101/4001/edit/"),
        ("get", "/staff/availability/101/4001/delete/"),
        ("post", "/staff/availability/101/4001/delete/"),
        ("get", "/staff/pages/"),
        ("get", "/staff/pages/new/"),
        ("get", f"/staff/pages/{page.pk}/"),
        ("post", f"/staff/pages/{page.pk}/"),
        ("get", "/staff/plans/"),
        ("get", "/staff/plans/new/"),
        ("get", f"/staff/plans/{plan.pk}/"),
        ("post", f"/staff/plans/{plan.pk}/"),
    ]


def send(client: Client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


def test_anonymous_users_are_sent_to_sign_in(demo_pages):
    anonymous = Client()
    for method, url in [("get", REPORT), *clinic_urls()]:
        response = send(anonymous, method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/staff/login/?next="), url


def test_signed_in_users_without_a_staff_role_get_403(demo_pages, outsider):
    for method, url in [("get", REPORT), *clinic_urls()]:
        assert send(outsider, method, url).status_code == 403, url


def test_the_front_desk_opens_the_report_and_nothing_else_here(demo_pages, front_desk, sandbox):
    assert front_desk.get(REPORT).status_code == 200
    for method, url in clinic_urls():
        assert send(front_desk, method, url).status_code == 403, url
    # ... and the navigation offers it only the report.
    nav = front_desk.get(REPORT).content.decode()
    assert 'href="/staff/report/"' in nav and 'href="/staff/availability/"' not in nav


@pytest.mark.parametrize(
    "url",
    [
        REPORT,
        "/staff/availability/",
        "/staff/availability/?provider=101",
        "/staff/pages/",
        "/staff/pages/new/",
        "/staff/plans/",
        "/staff/plans/new/",
    ],
)
def test_a_clinic_admin_opens_every_page(demo_pages, clinic_admin, sandbox, url):
    response = clinic_admin.get(url)
    assert response.status_code == 200
    assert b'aria-current="page"' in response.content  # its section is marked in the nav


def test_unknown_providers_pages_and_plans_are_404(demo_pages, clinic_admin, sandbox):
    for url in (
        "/staff/availability/?provider=999",
        "/staff/availability/999/4001/edit/",
        "/staff/availability/101/999999/edit/",
        "/staff/pages/999999/",
        "/staff/plans/999999/",
    ):
        assert clinic_admin.get(url).status_code == 404, url
