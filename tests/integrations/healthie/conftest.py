import pytest
from django.conf import settings

from integrations.healthie.client import HealthieClient
from integrations.transport import RetryPolicy

# Retries stay real but quick: the backoff shape is tested in the unit tests.
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.02, max_delay=1.5)


@pytest.fixture
def make_healthie(sandbox):
    """Build clients against the running sandbox (real HTTP); closes them afterwards."""
    clients = []

    def make(**options) -> HealthieClient:
        options.setdefault("url", settings.HEALTHIE_API_URL)
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 3)
        client = HealthieClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def healthie(make_healthie) -> HealthieClient:
    return make_healthie()
