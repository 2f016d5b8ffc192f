"""The real Semble client against the Semble sandbox over real HTTP.

Exact e-mail matching among fuzzy results, patient creation, integration tokens and the
questionnaire link, "too often" throttling, faults. Seed (integrations/semble/sandbox/app.py):
jordan.lee@example.com (…0001) with near-duplicates jordan.lee@example.com.au (…0002) and
ann.jordan.lee@example.com (…0003); Casey.Morgan@Example.com (…0004); riley.stone@… deleted.
"""

import logging
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from integrations.errors import (
    ContractError,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
)
from integrations.semble.client import questionnaire_link
from integrations.transport import NO_RETRY, RetryPolicy

JORDAN = "6553f1a05e3b1e0c9d2a0001"
CASEY = "6553f1a05e3b1e0c9d2a0004"
SEED_PATIENTS = 5
QUESTIONNAIRE = "5d8f731a48250f7992ff4a10"
NEW = {"first_name": "Pat", "last_name": "Doe", "email": "pat.doe@example.com"}
WRITE_FAULTS = ["http_500", "timeout", "reset", "malformed"]


def state(sandbox) -> dict:
    return sandbox.configure("semble")


def with_email(sandbox, email: str) -> list[dict]:
    return [p for p in state(sandbox)["patient_list"] if p["email"] == email]


# --- patients -------------------------------------------------------------------------------


def test_the_exact_email_wins_over_fuzzy_near_duplicates(semble, sandbox):
    patient = semble.find_patient(email="jordan.lee@example.com")
    assert patient is not None and patient.id == JORDAN
    assert (patient.first_name, patient.last_name) == ("Jordan", "Lee")
    assert "example.com" not in repr(patient) and "Jordan" not in repr(patient)
    assert semble.find_patient(email="  JORDAN.Lee@example.com ").id == JORDAN
    assert semble.find_patient(email="casey.morgan@example.com").id == CASEY
    # Fuzzy hits, none exact: no patient (never the near-duplicate).
    assert semble.find_patient(email="lee@example.com") is None
    assert semble.find_patient(email="jordan.lee@example.co") is None
    assert semble.find_patient(email="riley.stone@example.com") is None  # deleted


def test_every_page_of_fuzzy_results_is_read(make_semble, sandbox):
    semble = make_semble(page_size=1)
    created = semble.create_patient(first_name="Lee", last_name="Park", email="lee@example.com")
    sandbox.http.delete("/_sandbox/calls").raise_for_status()
    # "lee@example.com" also matches jordan.lee@example.com(.au) and ann.jordan.lee@…,
    # all ordered before it: the exact match is on the fourth page of one.
    assert semble.find_patient(email="lee@example.com").id == created.id
    assert len(sandbox.calls(operation="patients")) == 4


def test_find_or_create_creates_once(semble, sandbox):
    patient, created = semble.find_or_create_patient(
        **NEW, dob=date(1990, 4, 12), phone_number="+15552223232"
    )
    assert created and len(patient.id) == 24
    again, created_again = semble.find_or_create_patient(**{**NEW, "email": "Pat.Doe@Example.com"})
    assert (again.id, created_again) == (patient.id, False)
    assert state(sandbox)["patients"] == SEED_PATIENTS + 1


def test_a_near_duplicate_email_gets_its_own_patient(semble, sandbox):
    patient, created = semble.find_or_create_patient(
        first_name="Jordan", last_name="Lee", email="jordan.lee@example.co"
    )
    assert created and patient.id != JORDAN
    assert state(sandbox)["patients"] == SEED_PATIENTS + 1


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"first_name": " "}, "first name"),
        ({"last_name": ""}, "last name"),
        ({"email": "pat.doe@example"}, "email"),
        ({"dob": date(2030, 1, 1)}, "future"),
        ({"phone_number": "call me"}, "phone"),
    ],
)
def test_create_patient_refusals_are_rejections(semble, sandbox, details, message):
    with pytest.raises(RejectedError) as refused:
        semble.create_patient(**{**NEW, **details})
    assert refused.value.code is None
    assert message in refused.value.messages[0].message.lower()
    assert state(sandbox)["patients"] == SEED_PATIENTS


# --- integration tokens and the questionnaire link ------------------------------------------


def test_an_integration_token_opens_the_questionnaire_for_a_week(semble, sandbox):
    token = semble.create_integration_token(JORDAN)
    assert semble.integration_token(JORDAN) == token
    link = semble.questionnaire_link(QUESTIONNAIRE, token)
    assert link == f"{sandbox.url}/semble/questionnaire/{QUESTIONNAIRE}/{token}"
    page = httpx.get(link, timeout=5)
    assert page.status_code == 200
    assert "Questionnaire" in page.text and "Failed to load questionnaire." not in page.text

    wrong = httpx.get(semble.questionnaire_link(QUESTIONNAIRE, "not-a-token"), timeout=5)
    assert "Failed to load questionnaire." in wrong.text

    sandbox.set_clock((datetime.now(UTC) + timedelta(days=7, minutes=1)).isoformat())
    assert "Failed to load questionnaire." in httpx.get(link, timeout=5).text
    assert semble.integration_token(JORDAN) is None
    fresh = semble.create_integration_token(JORDAN)
    assert "Failed" not in httpx.get(semble.questionnaire_link(QUESTIONNAIRE, fresh)).text
    assert state(sandbox)["tokens"] == 2


def test_ids_that_are_not_object_ids_are_rejected(semble):
    for call in (semble.create_integration_token, semble.integration_token):
        with pytest.raises(RejectedError) as refused:
            call("1234")
        assert refused.value.code == "INVALID_ID"


def test_an_unknown_patient_gets_no_token(semble, sandbox):
    with pytest.raises(RejectedError) as refused:
        semble.create_integration_token("6553f1a05e3b1e0c9d2affff")
    assert refused.value.messages[0].message == "Patient not found"
    assert semble.integration_token("6553f1a05e3b1e0c9d2affff") is None
    assert state(sandbox)["tokens"] == 0


def test_questionnaire_link_uses_the_setting_and_quotes_its_parts(settings):
    settings.SEMBLE_QUESTIONNAIRE_HOST = "https://questionnaire.semble.io"
    assert questionnaire_link("abc", "t/k+n") == "https://questionnaire.semble.io/abc/t%2Fk%2Bn"
    with pytest.raises(ValueError):
        questionnaire_link("abc", " ")


# --- auth and throttling --------------------------------------------------------------------


@pytest.mark.parametrize("token", ["wrong-token", "Bearer sandbox-semble-token"])
def test_a_refused_api_token_is_a_rejection(make_semble, token):
    with pytest.raises(RejectedError) as refused:
        make_semble(api_token=token).find_patient(email="pat.doe@example.com")
    assert refused.value.code == "UNAUTHENTICATED"


def test_too_often_is_transient_and_not_an_unknown_outcome(make_semble, sandbox):
    sandbox.configure("semble", rate_limit_per_minute=1)
    semble = make_semble(retry_policy=NO_RETRY)
    semble.find_patient(email="pat.doe@example.com")
    with pytest.raises(TransientError) as throttled:
        semble.find_patient(email="pat.doe@example.com")
    assert not isinstance(throttled.value, OutcomeUnknownError)
    assert throttled.value.retry_after >= 1.0
    with pytest.raises(TransientError) as write_throttled:
        semble.create_patient(**NEW)
    assert not isinstance(write_throttled.value, OutcomeUnknownError)
    assert state(sandbox)["patients"] == SEED_PATIENTS


def test_throttled_calls_are_retried_until_they_pass(make_semble, sandbox):
    sandbox.configure("semble", rate_limit_per_minute=2, rate_limit_window_seconds=1)
    semble = make_semble(retry_policy=RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=1.5))
    for _ in range(3):
        assert semble.find_patient(email="jordan.lee@example.com").id == JORDAN
    patient, created = semble.find_or_create_patient(**NEW)
    assert created
    assert len(with_email(sandbox, NEW["email"])) == 1
    assert len(sandbox.calls(vendor="semble")) > 5  # some were answered "too often"


# --- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http_500", "http_429", "timeout", "reset", "malformed"])
def test_queries_ride_out_transient_faults(make_semble, sandbox, kind):
    semble = make_semble(timeout=0.5)
    sandbox.fault("semble", kind, operation="patients", count=2, timeout_seconds=1)
    assert semble.find_patient(email="jordan.lee@example.com").id == JORDAN
    assert [c["fault"] for c in sandbox.calls(operation="patients")] == [kind, kind, None]


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_a_create_patient_whose_answer_is_lost_is_not_resent(make_semble, sandbox, kind):
    semble = make_semble(timeout=0.5)
    sandbox.fault("semble", kind, operation="createPatient", when="after", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        semble.create_patient(**NEW)
    assert len(sandbox.calls(operation="createPatient")) == 1
    assert len(with_email(sandbox, NEW["email"])) == 1


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_find_or_create_settles_a_lost_create_by_searching(make_semble, sandbox, kind):
    semble = make_semble(timeout=0.5)
    sandbox.fault("semble", kind, operation="createPatient", when="after", timeout_seconds=1)
    patient, created = semble.find_or_create_patient(**NEW)
    assert created
    assert len(sandbox.calls(operation="createPatient")) == 1
    assert [p["id"] for p in with_email(sandbox, NEW["email"])] == [patient.id]


@pytest.mark.parametrize("kind", ["http_500", "timeout", "reset"])
def test_a_create_that_never_ran_is_created_once_on_the_next_try(make_semble, sandbox, kind):
    semble = make_semble(timeout=0.5)
    sandbox.fault("semble", kind, operation="createPatient", timeout_seconds=1)
    with pytest.raises(OutcomeUnknownError):
        semble.find_or_create_patient(**NEW)  # searched again: not there
    assert with_email(sandbox, NEW["email"]) == []
    patient, created = semble.find_or_create_patient(**NEW)  # the task's next run
    assert created
    assert [p["id"] for p in with_email(sandbox, NEW["email"])] == [patient.id]
    assert len(sandbox.calls(operation="createPatient")) == 2


def test_a_throttled_create_patient_is_retried_and_creates_one(semble, sandbox):
    sandbox.fault("semble", "http_429", operation="createPatient", retry_after=0)
    semble.create_patient(**NEW)
    assert [c["status"] for c in sandbox.calls(operation="createPatient")] == [429, 200]
    assert len(with_email(sandbox, NEW["email"])) == 1


@pytest.mark.parametrize("kind", WRITE_FAULTS)
def test_a_lost_token_is_found_instead_of_minted_again(make_semble, sandbox, kind):
    semble = make_semble(timeout=0.5)
    sandbox.fault(
        "semble", kind, operation="createIntegrationToken", when="after", timeout_seconds=1
    )
    with pytest.raises(OutcomeUnknownError):
        semble.create_integration_token(JORDAN)
    assert len(sandbox.calls(operation="createIntegrationToken")) == 1
    token = semble.integration_token(JORDAN)
    assert token is not None
    assert state(sandbox)["tokens"] == 1
    assert "Failed" not in httpx.get(semble.questionnaire_link(QUESTIONNAIRE, token)).text


def test_a_throttled_token_request_is_a_plain_transient_error(make_semble, sandbox):
    sandbox.fault("semble", "http_429", operation="createIntegrationToken", retry_after=0)
    with pytest.raises(TransientError) as throttled:
        make_semble(retry_policy=NO_RETRY).create_integration_token(JORDAN)
    assert not isinstance(throttled.value, OutcomeUnknownError)
    assert state(sandbox)["tokens"] == 0


def test_a_document_semble_refuses_is_a_contract_error(semble, monkeypatch):
    document, is_write = semble._operations["patients"]
    monkeypatch.setitem(
        semble._operations, "patients", (document.replace("hasMore", "more"), is_write)
    )
    with pytest.raises(ContractError):
        semble.find_patient(email="jordan.lee@example.com")


def test_logs_carry_no_patient_data_or_tokens(semble, caplog):
    caplog.set_level(logging.DEBUG, logger="integrations")
    patient, _ = semble.find_or_create_patient(**NEW, phone_number="+15552223232")
    token = semble.create_integration_token(patient.id)
    with pytest.raises(RejectedError):
        semble.create_patient(**{**NEW, "first_name": ""})
    text = caplog.text
    assert "semble createIntegrationToken ok" in text
    for secret in ("pat.doe", "Doe", "5552223232", token, "sandbox-semble-token"):
        assert secret not in text
