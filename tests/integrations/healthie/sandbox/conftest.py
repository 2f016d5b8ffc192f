"""Fixtures for the Healthie sandbox tests: a sandbox on a frozen clock, called in-process."""

import json
from datetime import UTC, datetime
from email.message import Message

import pytest

from integrations.healthie.sandbox import HealthieSandbox
from integrations.sandbox.base import Clock, Request

# Tuesday 2026-12-01, 10:00 in New York. Seeded appointments fall on Wed 2 and Thu 3 December.
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
STAFF_KEY = "test-staff-key"
VERSION = "2026-07-01"


@pytest.fixture
def clock() -> Clock:
    frozen = Clock()
    frozen.set(NOW)
    return frozen


@pytest.fixture
def sandbox_app(clock) -> HealthieSandbox:
    app = HealthieSandbox(clock, api_key=STAFF_KEY)
    yield app
    app.reset()  # drops queued webhook deliveries


def make_request(body, *, key=STAFF_KEY, version=VERSION, scheme="Basic", source="API", ip=None):
    headers = Message()
    if key is not None:
        headers["Authorization"] = f"{scheme} {key}"
        if source is not None:
            headers["AuthorizationSource"] = source
    if version is not None:
        headers["Healthie-GraphQL-API-Version"] = version
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request("POST", "/graphql", {}, headers, raw, client_ip=ip or "127.0.0.1")


@pytest.fixture
def gql(sandbox_app):
    """Run a GraphQL document through HealthieSandbox.handle(); returns the decoded body.
    Keyword arguments shape the request (key=None for a keyless caller)."""

    def call(query, variables=None, *, expect_status=200, **request_options):
        payload = {"query": query, "variables": variables or {}}
        response = sandbox_app.handle(make_request(payload, **request_options))
        assert response.status == expect_status, response.body
        return json.loads(response.body)

    return call
