"""The one place `scheduling` gets a Healthie client.

A client holds a pooled httpx connection, so it is reused across requests and threads (httpx.Client
is thread-safe). It is keyed on the settings it was built from, so a changed setting (tests use
override_settings for the URL and timeout) gets a fresh client instead of a stale one.
"""

import threading

from django.conf import settings

from integrations.healthie.client import HealthieClient

_clients: dict[tuple, HealthieClient] = {}
_lock = threading.Lock()


def healthie() -> HealthieClient:
    key = (
        settings.HEALTHIE_API_URL,
        settings.HEALTHIE_API_KEY,
        settings.HEALTHIE_API_VERSION,
        settings.HEALTHIE_TIMEOUT_SECONDS,
        settings.HEALTHIE_MAX_RETRIES,
    )
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = HealthieClient()
        return client
