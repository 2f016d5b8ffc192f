"""Single-response edge cases of the Semble client (respx): answers the sandbox never gives."""

import httpx
import pytest
import respx

from integrations.errors import ContractError, OutcomeUnknownError, TransientError
from integrations.semble.client import SembleClient, is_object_id
from integrations.transport import NO_RETRY

API = "https://semble.test/graphql"


@pytest.fixture
def client():
    semble = SembleClient(url=API, api_token="k", retry_policy=NO_RETRY, timeout=2)
    yield semble
    semble.close()


@respx.mock
def test_the_header_is_the_raw_x_token(client):
    route = respx.post(API).mock(
        return_value=httpx.Response(200, json={"data": {"integrationToken": None}})
    )
    assert client.integration_token("6553f1a05e3b1e0c9d2a0001") is None
    headers = route.calls.last.request.headers
    assert headers["x-token"] == "k" and "authorization" not in headers


@respx.mock
def test_too_often_honours_a_longer_retry_after(client):
    throttled = {"errors": [{"message": "You are making requests too often"}], "data": None}
    respx.post(API).mock(
        return_value=httpx.Response(200, json=throttled, headers={"Retry-After": "7"})
    )
    with pytest.raises(TransientError) as error:
        client.find_patient(email="a@b.co")
    assert error.value.retry_after == 7


@respx.mock
def test_an_internal_error_on_a_write_is_an_unknown_outcome(client):
    failure = {"errors": [{"message": "boom", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
    respx.post(API).mock(return_value=httpx.Response(200, json=failure))
    with pytest.raises(OutcomeUnknownError):
        client.create_patient(first_name="A", last_name="B", email="a@b.co")


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"createPatient": {"data": None, "error": None}}},
        {"data": {"createPatient": {"data": {"firstName": "A"}, "error": None}}},
        {"data": {"createPatient": {"data": None, "error": {"message": "x"}}}},
        {"data": {}},
    ],
)
@respx.mock
def test_unreadable_payloads_are_contract_errors(client, answer):
    respx.post(API).mock(return_value=httpx.Response(200, json=answer))
    with pytest.raises(ContractError):
        client.create_patient(first_name="A", last_name="B", email="a@b.co")


@respx.mock
def test_endless_fuzzy_pages_are_a_contract_error(client):
    page = {
        "data": {
            "patients": {"data": [{"id": "1", "email": "x@y.co"}], "pageInfo": {"hasMore": True}}
        }
    }
    route = respx.post(API).mock(return_value=httpx.Response(200, json=page))
    with pytest.raises(ContractError):
        client.find_patient(email="a@b.co")
    assert route.call_count == 20


def test_object_ids_are_24_hex():
    assert is_object_id("6553f1a05e3b1e0c9d2a0001")
    assert not is_object_id("1234") and not is_object_id("6553f1a05e3b1e0c9d2a000g")
