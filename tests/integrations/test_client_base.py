"""What every vendor client gets from `integrations.client.VendorClient`, over real HTTP against
the sandbox: a repr without secrets, closing, and the logged send / retry / interpret loop."""

import logging

import pytest

from integrations.betterpt.client import BetterPTClient
from integrations.errors import OutcomeUnknownError, TransientError
from integrations.hcw.client import HCWClient
from integrations.healthie.client import HealthieClient
from integrations.qualiphy.client import QualiphyClient
from integrations.semble.client import SembleClient
from integrations.transport import RetryPolicy

SECRET = "s3cr3t-value-never-shown"
QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
CLIENTS = [
    (HealthieClient, {"api_key": SECRET}),
    (BetterPTClient, {"client_secret": SECRET}),
    (SembleClient, {"api_token": SECRET}),
    (QualiphyClient, {"api_key": SECRET}),
    (HCWClient, {"password": SECRET}),
]


@pytest.mark.parametrize(("client_class", "secret"), CLIENTS)
def test_repr_names_the_client_and_url_but_never_a_secret(client_class, secret):
    with client_class(url="https://vendor.test/api", **secret) as client:
        shown = repr(client)
    assert shown.startswith(f"{client_class.__name__}(url='https://vendor.test/api'")
    assert SECRET not in shown


@pytest.mark.parametrize(("client_class", "secret"), CLIENTS)
def test_leaving_the_with_block_closes_the_connection_pool(client_class, secret):
    with client_class(url="https://vendor.test/api", **secret) as client:
        assert not client._http.is_closed
    assert client._http.is_closed
    client.close()  # closing twice is harmless


def qualiphy(sandbox) -> QualiphyClient:
    return QualiphyClient(
        url=f"{sandbox.url}/qualiphy/api",
        api_key="sandbox-qualiphy-key",
        retry_policy=QUICK,
        timeout=3,
    )


def test_a_read_rides_out_transient_failures_and_logs_one_success(sandbox, caplog):
    sandbox.fault("qualiphy", "http_500", operation="exam_list", count=1)
    sandbox.fault("qualiphy", "http_429", operation="exam_list", count=1, retry_after=0)
    caplog.set_level(logging.INFO, logger="integrations")
    with qualiphy(sandbox) as client:
        exams = client.exam_list()
    assert exams
    assert [c["status"] for c in sandbox.calls(vendor="qualiphy")] == [500, 429, 200]
    lines = [r.getMessage() for r in caplog.records if r.name == "integrations.qualiphy.client"]
    assert [line.split(" in ")[0] for line in lines] == ["qualiphy exam_list ok"]


def test_a_read_that_keeps_failing_gives_up_after_the_policy_with_a_warning(sandbox, caplog):
    sandbox.fault("qualiphy", "http_500", operation="exam_list", count=None)
    caplog.set_level(logging.INFO, logger="integrations")
    with qualiphy(sandbox) as client, pytest.raises(TransientError) as failed:
        client.exam_list()
    assert not isinstance(failed.value, OutcomeUnknownError)
    assert len(sandbox.calls(vendor="qualiphy")) == QUICK.max_attempts
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(" after ")[0] for r in warnings] == [
        "qualiphy exam_list failed: TransientError"
    ]
    assert "sandbox-qualiphy-key" not in caplog.text


def test_a_write_whose_answer_is_lost_is_sent_once(sandbox):
    sandbox.fault("qualiphy", "http_500", operation="exam_invite", when="after")
    with qualiphy(sandbox) as client, pytest.raises(OutcomeUnknownError):
        client.exam_invite(
            exams=[4226],
            first_name="Test Approve",
            last_name="Rivera",
            email="test.approve@example.com",
            dob="1990-06-30",
            phone_number="5552223232",
            tele_state="TE",
        )
    assert len(sandbox.calls(vendor="qualiphy", operation="exam_invite")) == 1
