"""Fixtures of the front desk tests: staff users in each role, signed in with Django's test
client (a session, as a browser has), the demo pages and plans, the sandbox over HTTP."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from scheduling.staff.access import CLINIC_ADMIN, FRONT_DESK

PASSWORD = "a-long-test-password-9"  # noqa: S105 - test users only


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make_user(username: str, role: str | None = None) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    if role:
        # get_or_create: a transactional test's flush removes the groups migration 0006 made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def desk(db) -> Client:
    """The front desk's browser: a signed-in user with the front desk role."""
    client = signed_in(make_user("frontdesk", FRONT_DESK))
    client.user = User.objects.get(username="frontdesk")
    return client


@pytest.fixture
def admin_client_staff(db) -> Client:
    return signed_in(make_user("clinicadmin", CLINIC_ADMIN))


@pytest.fixture
def outsider(db) -> Client:
    """Signed in, but in no staff role."""
    return signed_in(make_user("outsider"))


@pytest.fixture
def pages(db):
    call_command("seed_demo", verbosity=0)
