"""Fixtures for HCW@Home: clients against the sandbox server with their own session cache and a
clock the test moves."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache

from integrations.hcw import client as hcw_client
from integrations.hcw.client import HCWClient
from integrations.transport import RetryPolicy

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.02, max_delay=0.5)


class FakeClock:
    """The client's idea of now (epoch seconds), moved by the test."""

    def __init__(self, start: datetime | None = None):
        self.now = (start or datetime.now(UTC)).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta).total_seconds()


@pytest.fixture
def session_cache(monkeypatch):
    """A fresh shared cache, and no session left in this process from an earlier test."""
    monkeypatch.setattr(hcw_client, "_LOCAL_SESSIONS", {})
    return LocMemCache(f"hcw-tests-{uuid.uuid4()}", {})


@pytest.fixture
def make_hcw(sandbox, session_cache):
    """Clients against the running sandbox (real HTTP), sharing `session_cache`."""
    clients = []

    def make(**options) -> HCWClient:
        options.setdefault("url", f"{sandbox.url}/hcw")
        options.setdefault("cache", session_cache)
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 3)
        client = HCWClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def hcw(make_hcw) -> HCWClient:
    return make_hcw()


@pytest.fixture
def frozen(sandbox):
    """Sandbox clock and client clock frozen at the same whole second."""
    start = datetime.fromtimestamp(int(time.time()), UTC)
    sandbox.set_clock(start.isoformat())
    return FakeClock(start)
