"""`manage.py create_staff_user`: a login in the chosen role, its password printed once."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from scheduling.staff.access import CLINIC_ADMIN, FRONT_DESK, roles_of


def create(*args) -> str:
    out = io.StringIO()
    call_command("create_staff_user", *args, stdout=out)
    return out.getvalue()


def test_a_front_desk_login_with_a_generated_password(db):
    output = create("maria", "--role", "front-desk", "--no-input")
    password = output.split("Password (shown once): ", 1)[1].strip()
    assert len(password) >= 16
    client = Client()
    response = client.post("/staff/login/", {"username": "maria", "password": password})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert roles_of(User.objects.get(username="maria")) == {FRONT_DESK}


def test_an_existing_user_is_changed_only_when_asked(db):
    create("lee", "--role", "front-desk", "--no-input")
    with pytest.raises(CommandError, match="exists already"):
        create("lee", "--role", "clinic-admin", "--no-input")
    output = create("lee", "--role", "clinic-admin", "--no-input", "--update")
    assert output.startswith("Updated staff user lee (Clinic admin)")
    assert roles_of(User.objects.get(username="lee")) == {FRONT_DESK, CLINIC_ADMIN}
    assert list(User.objects.get(username="lee").groups.values_list("name", flat=True)) == [
        CLINIC_ADMIN
    ]
