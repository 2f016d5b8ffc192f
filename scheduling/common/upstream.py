"""The one place `scheduling` gets its vendor clients.

A client holds a pooled httpx connection, so it is reused across requests and threads (httpx.Client
is thread-safe). It is keyed on the settings it was built from, so a changed setting (tests use
override_settings for URLs and timeouts) gets a fresh client instead of a stale one.
"""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from integrations.betterpt.client import BetterPTClient
from integrations.hcw.client import HCWClient
from integrations.healthie.client import HealthieClient
from integrations.qualiphy.client import QualiphyClient
from integrations.semble.client import SembleClient

Client = TypeVar("Client")

_clients: dict[tuple, object] = {}
_lock = threading.Lock()


class UpstreamUnavailable(Exception):
    """Healthie could not answer a read; the page says so and offers to try again."""


def _shared(factory: Callable[[], Client], *setting_names: str) -> Client:
    key = (factory, *(getattr(settings, name) for name in setting_names))
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = factory()
        return client


def healthie() -> HealthieClient:
    return _shared(
        HealthieClient,
        "HEALTHIE_API_URL",
        "HEALTHIE_API_KEY",
        "HEALTHIE_API_VERSION",
        "HEALTHIE_TIMEOUT_SECONDS",
        "HEALTHIE_MAX_RETRIES",
    )


def betterpt() -> BetterPTClient:
    return _shared(
        BetterPTClient,
        "BETTERPT_API_URL",
        "BETTERPT_TOKEN_URL",
        "BETTERPT_CLIENT_ID",
        "BETTERPT_CLIENT_SECRET",
        "VENDOR_TIMEOUT_SECONDS",
    )


def semble() -> SembleClient:
    return _shared(
        SembleClient,
        "SEMBLE_API_URL",
        "SEMBLE_API_TOKEN",
        "SEMBLE_QUESTIONNAIRE_HOST",
        "VENDOR_TIMEOUT_SECONDS",
    )


def qualiphy() -> QualiphyClient:
    return _shared(QualiphyClient, "QUALIPHY_API_URL", "QUALIPHY_API_KEY", "VENDOR_TIMEOUT_SECONDS")


def hcw() -> HCWClient:
    return _shared(
        HCWClient,
        "HCW_API_URL",
        "HCW_SCHEDULER_EMAIL",
        "HCW_SCHEDULER_PASSWORD",
        "VENDOR_TIMEOUT_SECONDS",
    )
