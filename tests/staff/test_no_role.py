"""The console's own 403 page: a signed-in account without the role a page needs is told so in
the staff layout (what it lacks, whom to ask, a way out), with status 403, never the patient
pages' "open the clinic's booking link" wording."""

import pytest

from scheduling.staff.access import FRONT_DESK
from tests.scheduling.html import Page
from tests.staff.clinic.conftest import signed_in

PATIENT_WORDING = "This can't be done from here"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/staff/"),
        ("get", "/staff/report/"),
        ("get", "/staff/availability/"),
        ("post", "/staff/appointments/50001/cancel/"),
    ],
)
def test_an_account_without_a_role_is_told_to_ask_a_clinic_admin(db, sandbox, method, url):
    client = signed_in("no-role-user", None)
    client.handler.enforce_csrf_checks = False  # the role is what refuses it, not CSRF
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert PATIENT_WORDING not in response.content.decode()
    page = Page(response)
    assert page.one("heading", "You can't open this page")
    assert page.one(
        "alert",
        "Your account (no-role-user) has no staff role; ask a clinic admin to give you one.",
    )
    assert page.find_all("link", "Calendar") == []  # no sections it could open
    sign_out = page.one("button", "Sign out")
    assert sign_out.parent.get("action") == "/staff/logout/"
    assert '<body class="staff">' in response.content.decode()  # the staff layout
    assert sandbox.calls(vendor="healthie") == []


def test_the_sign_out_button_signs_out(db):
    client = signed_in("no-role-leaver", None)
    page = Page(client.get("/staff/"))
    token = page.one("button", "Sign out").parent
    fields = {i.get("name"): i.get("value") for i in token.iter() if i.tag == "input"}
    assert client.post("/staff/logout/", fields).status_code == 302
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_the_front_desk_on_a_clinic_admin_page_is_told_which_role_it_needs(db, sandbox):
    client = signed_in("desk-no-admin", FRONT_DESK)
    response = client.get("/staff/availability/")
    assert response.status_code == 403
    page = Page(response)
    assert page.one("alert").text == (
        "This page is for the clinic admin role; your account (desk-no-admin) has the front "
        "desk role. Ask a clinic admin if you need it."
    )
    assert page.one("link", "Back to the calendar")["href"] == "/staff/"
    assert page.one("link", "Attendance")  # the sections it can open stay offered
    assert page.find_all("link", "Availability") == []
