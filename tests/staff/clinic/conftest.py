"""Fixtures of the clinic console tests: a signed-in client per role, the demo pages, a fresh
cache (the patient pages' availability cache is what the editor must invalidate)."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from scheduling.staff.access import CLINIC_ADMIN, FRONT_DESK
from tests.scheduling.conftest import (  # noqa: F401 - shared fixtures
    booked,
    exam_booking,
    exam_plan,
    plan,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signed_in(username: str, role: str | None) -> Client:
    """A browser signed in as a new user holding `role` (force_login: axes guards login)."""
    user = User.objects.create_user(username, password="a-long-test-password-9")  # noqa: S106
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clinic_admin(db) -> Client:
    return signed_in("clinic-admin", CLINIC_ADMIN)


@pytest.fixture
def front_desk(db) -> Client:
    return signed_in("front-desk", FRONT_DESK)


@pytest.fixture
def outsider(db) -> Client:
    return signed_in("outsider", None)


@pytest.fixture
def demo_pages(db):
    call_command("seed_demo", verbosity=0)
