"""Single-response edge cases of the BetterPT client (respx): answers the sandbox never gives."""

from datetime import UTC

import httpx
import pytest
import respx

from integrations.betterpt.client import BetterPTClient, format_datetime, parse_datetime
from integrations.errors import ContractError, OutcomeUnknownError, RejectedError, TransientError
from integrations.transport import NO_RETRY

API = "https://betterpt.test/v0/graphql-public"
TOKEN_URL = "https://betterpt.test/oauth/token"
ROOM = {
    "uid": "r1",
    "startTime": "2026-12-03T15:00:00.000Z",
    "timeZone": "America/New_York",
    "displayName": None,
    "patientLink": "https://video.test/p",
    "providerLink": "https://video.test/d",
    "status": "SOMETHING_NEW",
    "patientDuration": None,
    "providerDuration": None,
    "didPatientAttend": None,
    "didProviderAttend": None,
}
GOOD_TOKEN = {"access_token": "t1", "token_type": "Bearer", "expires_in": 86400}


@pytest.fixture
def client():
    betterpt = BetterPTClient(
        url=API,
        token_url=TOKEN_URL,
        client_id="c",
        client_secret="s",
        audience="a",
        retry_policy=NO_RETRY,
        timeout=2,
    )
    betterpt.forget_token()
    yield betterpt
    betterpt.forget_token()
    betterpt.close()


def room_answer(node=ROOM):
    return httpx.Response(200, json={"data": {"partnerVideoRoom": node}})


@respx.mock
def test_an_unknown_status_value_is_kept_opaque(client):
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=GOOD_TOKEN))
    api = respx.post(API).mock(return_value=room_answer())
    room = client.video_room("r1")
    assert room.status == "SOMETHING_NEW"
    assert api.calls.last.request.headers["authorization"] == "Bearer t1"


@respx.mock
def test_a_401_without_a_json_body_still_refreshes_once(client):
    tokens = respx.post(TOKEN_URL).mock(
        side_effect=[
            httpx.Response(200, json=GOOD_TOKEN),
            httpx.Response(200, json={**GOOD_TOKEN, "access_token": "t2"}),
        ]
    )
    api = respx.post(API).mock(
        side_effect=[httpx.Response(401, text="Unauthorized"), room_answer()]
    )
    assert client.video_room("r1").uid == "r1"
    assert tokens.call_count == 2
    assert api.calls.last.request.headers["authorization"] == "Bearer t2"


@pytest.mark.parametrize(
    "answer",
    [
        {"access_token": "t", "token_type": "mac", "expires_in": 60},
        {"access_token": "", "token_type": "Bearer", "expires_in": 60},
        {"access_token": "t", "token_type": "Bearer"},
    ],
)
@respx.mock
def test_an_unusable_token_answer_is_a_contract_error(client, answer):
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=answer))
    with pytest.raises(ContractError):
        client.video_room("r1")


@respx.mock
def test_an_internal_error_is_unknown_for_a_write_and_transient_for_a_read(client):
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=GOOD_TOKEN))
    failure = {
        "errors": [{"message": "boom", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
        "data": None,
    }
    respx.post(API).mock(return_value=httpx.Response(200, json=failure))
    with pytest.raises(OutcomeUnknownError):
        client.cancel_video_room("r1")
    with pytest.raises(TransientError) as read:
        client.video_room("r1")
    assert not isinstance(read.value, OutcomeUnknownError)


@respx.mock
def test_an_unreadable_room_is_a_contract_error(client):
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=GOOD_TOKEN))
    respx.post(API).mock(return_value=room_answer({**ROOM, "startTime": "tomorrow"}))
    with pytest.raises(ContractError):
        client.video_room("r1")


@respx.mock
def test_a_coded_refusal_keeps_its_code(client):
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=GOOD_TOKEN))
    refusal = {"errors": [{"message": "nope", "extensions": {"code": "FORBIDDEN"}}], "data": None}
    respx.post(API).mock(return_value=httpx.Response(200, json=refusal))
    with pytest.raises(RejectedError) as refused:
        client.video_room("r1")
    assert refused.value.code == "FORBIDDEN"


def test_datetimes_are_rfc_3339():
    from datetime import datetime, timedelta, timezone

    eastern = timezone(timedelta(hours=-5))
    assert format_datetime(datetime(2026, 12, 3, 10, 0, tzinfo=eastern)) == (
        "2026-12-03T15:00:00.000Z"
    )
    assert parse_datetime("2020-12-03T10:15:30Z") == datetime(2020, 12, 3, 10, 15, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_datetime("2020-12-03T10:15:30")
