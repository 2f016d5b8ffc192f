"""Single unusual Healthie responses, mocked with respx.

Happy paths run over real HTTP against the sandbox (see the `healthie` fixture); this file covers
what the sandbox cannot easily produce on demand: malformed bodies, throttling with Retry-After,
lost answers on writes, one-time warnings, and the exact headers.
"""

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone

import httpx
import pytest
import respx

from integrations import notices, transport
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
)
from integrations.healthie import client as client_module
from integrations.healthie.client import HealthieClient

URL = "https://healthie.test/graphql"
KEY = "gh_sbox_unit_test_key"


@pytest.fixture(autouse=True)
def recorded(monkeypatch):
    """No database here: capture what would be handed to the staff notices."""
    calls = []
    monkeypatch.setattr(notices, "record_vendor_warning", lambda **kw: calls.append(kw))
    monkeypatch.setattr(client_module, "_warned", set())
    return calls


@pytest.fixture
def sleeps(monkeypatch):
    delays = []
    monkeypatch.setattr(transport.time, "sleep", delays.append)
    return delays


@pytest.fixture
def healthie():
    client = HealthieClient(
        url=URL,
        api_key=KEY,
        api_version="2026-07-01",
        authorization_shard="",
        timeout=5,
        retry_policy=transport.RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=8),
    )
    yield client
    client.close()


@pytest.fixture
def api():
    with respx.mock(assert_all_called=False) as mock:
        yield mock.post(URL)


def ok(data, **extra):
    return httpx.Response(200, json={"data": data, **extra})


APPOINTMENT = {
    "id": "101",
    "date": "2026-12-07 09:30:00 -0500",
    "end": "2026-12-07 10:00:00 -0500",
    "length": 30,
    "contact_type": "Healthie Video Call",
    "pm_status": None,
    "external_videochat_url": None,
    "deleted_at": None,
    "patient_reschedule_count": 0,
    "appointment_type": {"id": "7", "name": "Initial consult", "length": 30},
    "provider": {"id": "42", "first_name": "Ada", "last_name": "Lovelace"},
    "user": {"id": "900"},
}


def sent(call) -> dict:
    return json.loads(call.request.content)


# Headers and body --------------------------------------------------------------------------


def test_authenticated_request_headers_and_body(healthie, api):
    api.mock(return_value=ok({"appointment": APPOINTMENT}))
    appointment = healthie.appointment("101")
    request = api.calls.last.request
    assert request.headers["Authorization"] == f"Basic {KEY}"
    assert request.headers["AuthorizationSource"] == "API"
    assert request.headers["Healthie-GraphQL-API-Version"] == "2026-07-01"
    assert "AuthorizationShard" not in request.headers
    assert request.headers["Content-Type"] == "application/json"
    body = sent(api.calls.last)
    assert body["operationName"] == "appointment"
    assert body["query"].lstrip().startswith("#") and "query appointment(" in body["query"]
    assert body["variables"] == {"id": "101"}  # None values are left out
    assert appointment.id == "101" and appointment.provider_id == "42"
    assert appointment.start == datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


def test_shard_header_and_settings_defaults(settings, api):
    settings.HEALTHIE_API_URL = URL
    settings.HEALTHIE_API_KEY = "from-settings"
    settings.HEALTHIE_API_VERSION = "2026-07-01"
    settings.HEALTHIE_AUTHORIZATION_SHARD = "shard-9"
    settings.HEALTHIE_MAX_RETRIES = 2
    api.mock(return_value=ok({"appointment": None}))
    with HealthieClient() as client:
        assert client.retry_policy.max_attempts == 3
        assert client.appointment("1") is None
    request = api.calls.last.request
    assert request.headers["Authorization"] == "Basic from-settings"
    assert request.headers["AuthorizationShard"] == "shard-9"
    assert "from-settings" not in repr(client)


def test_public_path_sends_no_credentials(healthie, api):
    api.mock(return_value=ok({"daysAvailableForRange": ["2026-12-08", "2026-12-07"]}))
    days = healthie.days_available(
        appointment_type_id="7", provider_id="42", month=date(2026, 12, 1), public=True
    )
    assert days == [date(2026, 12, 7), date(2026, 12, 8)]
    request = api.calls.last.request
    assert "Authorization" not in request.headers
    assert "AuthorizationSource" not in request.headers
    assert request.headers["Healthie-GraphQL-API-Version"] == "2026-07-01"
    assert sent(api.calls.last)["variables"] == {
        "provider_id": "42",
        "appt_type_id": "7",
        "date_from_month": "2026-12-01",
    }


def test_public_path_is_refused_for_staff_operations(healthie, api):
    with pytest.raises(ValueError):
        healthie._execute("appointment", {"id": "1"}, public=True)
    assert not api.called


# Contract errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>Bad gateway</html>"),
        httpx.Response(200, text=""),
        httpx.Response(404, text="Not Found"),
        httpx.Response(200, json=["not", "an", "object"]),
    ],
    ids=["html", "empty", "404-text", "json-list"],
)
def test_malformed_body_is_a_contract_error(healthie, api, response):
    api.mock(return_value=response)
    with pytest.raises(ContractError):
        healthie.appointment("101")
    assert api.call_count == 1  # not retried


@pytest.mark.parametrize(
    "body",
    [{}, {"data": None}, {"data": {}}, {"data": {"somethingElse": 1}}],
    ids=["no-data", "null-data", "empty-data", "other-field"],
)
def test_missing_data_is_a_contract_error(healthie, api, body):
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(ContractError, match="data.appointment"):
        healthie.appointment("101")


@pytest.mark.parametrize(
    "node",
    [
        {**APPOINTMENT, "date": "next Tuesday"},
        {**APPOINTMENT, "date": "2026-12-07 09:30:00"},  # no offset
        {**APPOINTMENT, "id": None},
        {**APPOINTMENT, "length": "thirty"},
        {key: value for key, value in APPOINTMENT.items() if key != "date"},
    ],
    ids=["words", "naive", "no-id", "bad-length", "no-date"],
)
def test_unreadable_shape_or_datetime_is_a_contract_error(healthie, api, node):
    api.mock(return_value=ok({"appointment": node}))
    with pytest.raises(ContractError):
        healthie.appointment("101")


def test_unreadable_connection_is_a_contract_error(healthie, api):
    api.mock(return_value=ok({"appointments": {"nodes": "oops", "page_info": {}}}))
    with pytest.raises(ContractError):
        healthie.appointments(provider_id="42")


def test_a_cursor_that_does_not_advance_is_a_contract_error(healthie, api):
    page = {
        "nodes": [APPOINTMENT],
        "page_info": {"end_cursor": "c1", "has_next_page": True},
        "total_count": 2,
    }
    api.mock(return_value=ok({"appointments": page}))
    with pytest.raises(ContractError, match="cursor"):
        healthie.appointments(provider_id="42")
    assert api.call_count == 2


def test_document_refused_by_healthie_is_a_contract_error(healthie, api):
    error = {
        "message": "Field 'patient_reschedule_count' doesn't exist on type 'Appointment'",
        "locations": [{"line": 12, "column": 5}],
        "extensions": {"code": "undefinedField", "typeName": "Appointment"},
    }
    api.mock(return_value=httpx.Response(200, json={"errors": [error]}))
    with pytest.raises(ContractError, match="refused the document"):
        healthie.appointment("101")


# Throttling and retries --------------------------------------------------------------------

THROTTLED = {
    "errors": [
        {
            "message": "Too many requests. Please try again later.",
            "extensions": {"code": "TOO_MANY_REQUESTS"},
        }
    ]
}


def test_too_many_requests_then_success_honours_retry_after(healthie, api, sleeps):
    api.side_effect = [
        httpx.Response(200, json=THROTTLED, headers={"Retry-After": "3"}),
        ok({"appointment": APPOINTMENT}),
    ]
    assert healthie.appointment("101").id == "101"
    assert api.call_count == 2
    assert sleeps == [3.0]


def test_http_429_then_success_honours_retry_after(healthie, api, sleeps):
    api.side_effect = [
        httpx.Response(429, text="slow down", headers={"Retry-After": "2"}),
        ok({"appointment": APPOINTMENT}),
    ]
    assert healthie.appointment("101").id == "101"
    assert sleeps == [2.0]


def test_query_gives_up_after_the_policy_attempts(healthie, api, sleeps):
    api.mock(return_value=httpx.Response(503, text="unavailable"))
    with pytest.raises(TransientError) as caught:
        healthie.appointment("101")
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert api.call_count == 3
    assert len(sleeps) == 2


def test_query_network_error_is_retried(healthie, api, sleeps):
    api.side_effect = [httpx.ReadTimeout("slow"), ok({"appointment": APPOINTMENT})]
    assert healthie.appointment("101").id == "101"
    assert api.call_count == 2


def test_503_on_a_mutation_is_outcome_unknown_after_one_request(healthie, api, sleeps):
    api.mock(return_value=httpx.Response(503, text="unavailable"))
    with pytest.raises(OutcomeUnknownError):
        healthie.update_appointment(id="101", pm_status="Cancelled")
    assert api.call_count == 1
    assert sleeps == []


def test_lost_answer_on_checkout_is_outcome_unknown_after_one_request(healthie, api, sleeps):
    api.side_effect = httpx.ReadTimeout("no answer")
    with pytest.raises(OutcomeUnknownError):
        healthie.complete_checkout(
            appointment_type_id="7",
            contact_type="Healthie Video Call",
            start=datetime(2026, 12, 7, 14, 30, tzinfo=UTC),
            timezone="America/New_York",
            provider_id="42",
            first_name="Pat",
            last_name="Example",
            email="pat@example.com",
            phone_number="5552223232",
        )
    assert api.call_count == 1


def test_connect_error_on_a_mutation_may_be_retried(healthie, api, sleeps):
    api.side_effect = [
        httpx.ConnectError("refused"),
        ok({"deleteAppointment": {"appointment": {"id": "101"}, "messages": None}}),
    ]
    healthie.delete_appointment("101")
    assert api.call_count == 2


def test_throttled_mutation_is_retried_because_it_did_not_run(healthie, api, sleeps):
    api.side_effect = [
        httpx.Response(200, json=THROTTLED),
        ok({"deleteAvailability": {"availability": {"id": "5"}, "messages": []}}),
    ]
    healthie.delete_availability("5")
    assert api.call_count == 2


# Rejections --------------------------------------------------------------------------------


def test_mutation_messages_are_a_rejection_with_field_messages(healthie, api, sleeps):
    payload = {
        "appointment": None,
        "messages": [
            {"field": "datetime", "message": "That time is no longer available"},
            {"field": None, "message": "Please pick another slot"},
        ],
    }
    api.mock(return_value=ok({"updateAppointment": payload}))
    with pytest.raises(RejectedError) as caught:
        healthie.update_appointment(
            id="101",
            start=datetime(2026, 12, 8, 15, 0, tzinfo=UTC),
            timezone="America/New_York",
            enforce_availability=True,
        )
    assert caught.value.messages == [
        FieldMessage(field="datetime", message="That time is no longer available"),
        FieldMessage(field=None, message="Please pick another slot"),
    ]
    assert api.call_count == 1
    assert sent(api.calls.last)["variables"] == {
        "id": "101",
        "datetime": "2026-12-08T10:00:00-05:00",
        "timezone": "America/New_York",
        "enforce_availability": True,
    }


@pytest.mark.parametrize("code", ["UNSUPPORTED_API_VERSION", "MISSING_API_VERSION_HEADER"])
def test_version_errors_are_rejections_with_their_code(healthie, api, sleeps, code):
    body = {"errors": [{"message": "API version not supported", "extensions": {"code": code}}]}
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(RejectedError) as caught:
        healthie.appointment("101")
    assert caught.value.code == code
    assert api.call_count == 1


def test_other_top_level_errors_are_rejections(healthie, api):
    body = {"errors": [{"message": "API Key is Invalid", "extensions": {"code": "UNAUTHORIZED"}}]}
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(RejectedError) as caught:
        healthie.appointment("101")
    assert caught.value.code == "UNAUTHORIZED"
    assert caught.value.messages == [FieldMessage(field=None, message="API Key is Invalid")]


def test_http_401_without_errors_is_a_rejection(healthie, api):
    api.mock(return_value=httpx.Response(401, json={"message": "unauthorized"}))
    with pytest.raises(RejectedError) as caught:
        healthie.appointment("101")
    assert caught.value.code == "HTTP_401"


# Warnings ----------------------------------------------------------------------------------

SUNSET = {
    "code": "API_VERSION_SUNSET_WARNING",
    "message": "API version 2026-07-01 is deprecated and will be sunset on 2027-07-01.",
    "requested_version": "2026-07-01",
}


def test_warnings_are_logged_and_recorded_once_per_code(healthie, api, recorded, caplog):
    api.mock(return_value=ok({"appointment": APPOINTMENT}, extensions={"warnings": [SUNSET]}))
    with caplog.at_level(logging.WARNING, logger="integrations.healthie.client"):
        for _ in range(3):
            healthie.appointment("101")
    assert recorded == [
        {"vendor": "healthie", "code": "API_VERSION_SUNSET_WARNING", "message": SUNSET["message"]}
    ]
    warnings = [r for r in caplog.records if "API_VERSION_SUNSET_WARNING" in r.getMessage()]
    assert len(warnings) == 1


def test_warnings_are_recorded_even_when_the_call_fails(healthie, api, recorded):
    body = {
        "errors": [{"message": "nope", "extensions": {"code": "UNSUPPORTED_API_VERSION"}}],
        "extensions": {"warnings": [{"code": "MISSING_API_VERSION_HEADER", "message": "m"}]},
    }
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(RejectedError):
        healthie.appointment("101")
    assert [r["code"] for r in recorded] == ["MISSING_API_VERSION_HEADER"]


def test_a_failing_notice_store_never_breaks_the_call(healthie, api, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("db down")

    monkeypatch.setattr(notices, "record_vendor_warning", broken)
    api.mock(return_value=ok({"appointment": APPOINTMENT}, extensions={"warnings": [SUNSET]}))
    assert healthie.appointment("101").id == "101"


# Logging hygiene ---------------------------------------------------------------------------


def test_logs_carry_no_key_and_no_patient_data(healthie, api, caplog, sleeps):
    api.side_effect = [
        httpx.Response(200, json=THROTTLED),
        ok({"users": {"nodes": [], "page_info": {"has_next_page": False}, "total_count": 0}}),
    ]
    with caplog.at_level(logging.DEBUG):
        assert healthie.find_patient(email="pat@example.com") is None
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert KEY not in text and "pat@example.com" not in text
    assert "users" in text


# Small reading rules ----------------------------------------------------------------------


def test_find_patient_keeps_only_an_exact_case_insensitive_email_match(healthie, api):
    nodes = [
        {"id": "12", "email": "pat@example.com.au", "first_name": "P", "last_name": "A"},
        {"id": "11", "email": "PAT@Example.com", "first_name": "P", "last_name": "B"},
    ]
    page = {"nodes": nodes, "page_info": {"has_next_page": False}, "total_count": 2}
    api.mock(return_value=ok({"users": page}))
    patient = healthie.find_patient(email="pat@example.com ")
    assert patient is not None and patient.id == "11"
    assert sent(api.calls.last)["variables"] == {"keywords": "pat@example.com", "first": 50}


def test_slots_in_any_spelling_are_sorted_and_fully_booked_dropped(healthie, api):
    slots = [
        {"date": "2026-12-07 10:00:00 EST -05:00", "user_id": "42", "is_fully_booked": False},
        {"date": "2026-12-07T14:30:00Z", "user_id": 42, "is_fully_booked": None},
        {"date": "2026-12-07 15:00:00 UTC", "user_id": "42", "is_fully_booked": True},
    ]
    api.mock(return_value=ok({"availableSlotsForRange": slots}))
    result = healthie.available_slots(
        appointment_type_id="7", provider_id="42", day=date(2026, 12, 7), timezone="UTC"
    )
    est = timezone(timedelta(hours=-5))
    assert [s.start for s in result] == [
        datetime(2026, 12, 7, 9, 30, tzinfo=est),
        datetime(2026, 12, 7, 10, 0, tzinfo=est),
    ]
    assert {s.provider_id for s in result} == {"42"}
    variables = sent(api.calls.last)["variables"]
    assert variables["start_date"] == variables["end_date"] == "2026-12-07"
    assert variables["start_date_boundary"] == variables["end_date_boundary"] == "2026-12-07"
