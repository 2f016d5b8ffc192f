"""Who may open the front desk's pages: anonymous users are sent to the login page, signed-in
users without a staff role get the console's 403 page, front desk and clinic admin get in. The
login is rate-limited (django-axes), and the forms need Django's CSRF token."""

import pytest
from django.conf import settings
from django.test import Client

from scheduling.staff.access import FRONT_DESK
from tests.scheduling.html import Page
from tests.staff.desk.conftest import PASSWORD, make_user, signed_in

# Each desk URL with its method; 50001 is a seeded appointment the app does not keep.
PAGES = [
    ("get", "/staff/"),
    ("get", "/staff/?date=2026-12-02&view=week"),
    ("get", "/staff/appointments/50001/"),
]
ACTIONS = [
    ("get", "/staff/appointments/50001/reschedule/"),
    ("post", "/staff/appointments/50001/reschedule/"),
    ("post", "/staff/appointments/50001/cancel/"),
    ("post", "/staff/appointments/50001/no-show/"),
    ("post", "/staff/appointments/50001/retry/1/"),
]


@pytest.mark.parametrize(("method", "url"), PAGES + ACTIONS)
def test_anonymous_users_go_to_the_login_page(db, sandbox, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/login/?next=/staff/")
    assert sandbox.calls(vendor="healthie") == []


@pytest.mark.parametrize(("method", "url"), PAGES + ACTIONS)
def test_signed_in_users_without_a_role_get_403(outsider, sandbox, method, url):
    client = outsider
    client.handler.enforce_csrf_checks = False  # the role is what refuses them, not CSRF
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert Page(response).one("heading", "You can't open this page")  # the console's own
    assert sandbox.calls(vendor="healthie") == []


@pytest.mark.parametrize("role_client", ["desk", "admin_client_staff"])
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_front_desk_and_clinic_admin_open_the_desk(
    request, sandbox, pages, role_client, method, url
):
    client = request.getfixturevalue(role_client)
    response = getattr(client, method)(url)
    assert response.status_code == 200
    assert Page(response).one("link", "Calendar")["aria-current"] == "page"


@pytest.mark.parametrize("role_client", ["desk", "admin_client_staff"])
@pytest.mark.parametrize(("method", "url"), ACTIONS)
def test_both_roles_reach_the_actions(request, sandbox, pages, role_client, method, url):
    """Past the role check: an appointment the app does not keep is read-only (404)."""
    client = request.getfixturevalue(role_client)
    client.handler.enforce_csrf_checks = False
    assert getattr(client, method)(url).status_code == 404


def test_clinic_admin_sections_show_for_the_clinic_admin_only(desk, admin_client_staff, sandbox):
    desk_nav = [link.text for link in Page(desk.get("/staff/")).find_all("link")]
    admin_nav = [link.text for link in Page(admin_client_staff.get("/staff/")).find_all("link")]
    assert "Availability" not in desk_nav
    assert "Availability" in admin_nav


def test_actions_need_the_csrf_token(desk, sandbox):
    response = desk.post("/staff/appointments/50001/cancel/", {"key": "0" * 32})
    assert response.status_code == 403
    assert sandbox.calls(vendor="healthie") == []


def test_sign_in_with_the_right_password(db):
    make_user("maria", FRONT_DESK)
    client = Client()
    response = client.post("/staff/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.session.get("_auth_user_id")


def test_too_many_wrong_passwords_lock_the_login_even_with_the_right_one(db):
    make_user("maria", FRONT_DESK)
    client = Client()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        wrong = client.post("/staff/login/", {"username": "maria", "password": f"wrong-{attempt}"})
        assert wrong.status_code == 200, attempt
        assert Page(wrong).find_all("heading", "Staff sign in")
    last = client.post("/staff/login/", {"username": "maria", "password": "wrong-again"})
    assert last.status_code == 429
    right = client.post("/staff/login/", {"username": "maria", "password": PASSWORD})
    assert right.status_code == 429
    assert Page(right).one("heading", "Too many sign-in attempts")
    assert not client.session.get("_auth_user_id")
    # Another user from the same address is not locked out by maria's attempts.
    make_user("lee", FRONT_DESK)
    other = client.post("/staff/login/", {"username": "lee", "password": PASSWORD})
    assert other.status_code == 302


def test_signing_out_ends_the_session(db):
    client = signed_in(make_user("maria", FRONT_DESK))
    client.handler.enforce_csrf_checks = False
    assert client.post("/staff/logout/").status_code == 302
    assert client.get("/staff/").status_code == 302
