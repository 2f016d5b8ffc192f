import pytest

from integrations.semble.client import SembleClient
from integrations.transport import RetryPolicy

# Retries stay real but quick.
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.02, max_delay=1.5)


@pytest.fixture
def make_semble(sandbox):
    """Build clients against the running sandbox (real HTTP); closes them afterwards."""
    clients = []

    def make(**options) -> SembleClient:
        options.setdefault("url", f"{sandbox.url}/semble/graphql")
        options.setdefault("questionnaire_host", f"{sandbox.url}/semble/questionnaire")
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 3)
        client = SembleClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def semble(make_semble) -> SembleClient:
    return make_semble()
