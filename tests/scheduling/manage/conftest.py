"""Fixtures of the manage tests: spies on the app's Healthie calls and its provisioning hook."""

import pytest

from integrations.healthie.client import HealthieClient
from scheduling.manage import services as manage_services


@pytest.fixture
def spy(monkeypatch):
    """Arguments of the app's Healthie client calls (the calls still go to the sandbox)."""
    seen: dict[str, list[dict]] = {}

    def wrap(name):
        original = getattr(HealthieClient, name)

        def recorded(self, *args, **kwargs):
            seen.setdefault(name, []).append(kwargs)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(HealthieClient, name, recorded)

    for name in (
        "update_appointment",
        "days_available",
        "available_slots",
        "next_available_slot",
        "delete_appointment",
    ):
        wrap(name)
    return seen


@pytest.fixture
def follow(monkeypatch):
    """The provisioning hook's calls, recorded (it runs on commit)."""
    calls = []
    monkeypatch.setattr(
        manage_services, "provisioning_follow", lambda **kwargs: calls.append(kwargs)
    )
    return calls
