import pytest

from integrations.betterpt.client import BetterPTClient
from integrations.transport import RetryPolicy

# Retries stay real but quick.
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.02, max_delay=1.5)


@pytest.fixture
def make_betterpt(sandbox):
    """Build clients against the running sandbox (real HTTP); closes them afterwards.

    The sandbox forgets its tokens on reset, so the cached token of an earlier test is dropped.
    """
    clients = []

    def make(**options) -> BetterPTClient:
        options.setdefault("url", f"{sandbox.url}/betterpt/graphql")
        options.setdefault("token_url", f"{sandbox.url}/betterpt/oauth/token")
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 3)
        client = BetterPTClient(**options)
        clients.append(client)
        return client

    make().forget_token()
    yield make
    for client in clients:
        client.forget_token()
        client.close()


@pytest.fixture
def betterpt(make_betterpt) -> BetterPTClient:
    return make_betterpt()
