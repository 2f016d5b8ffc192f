"""Semble client: patients and questionnaire integration tokens over Semble's GraphQL API.

Every call is one named operation from `operations/<name>.graphql` (file name = operation name =
root field), written against `../shared/vendor-contracts/semble/schema-partial-from-docs.graphql`.
Endpoint `https://open.semble.io/graphql` (setting SEMBLE_API_URL; the seed's `api.semble.io` is
wrong); header `x-token: <API token>`, with no "Bearer" (the seed is wrong there too).

Failures are the typed errors of `integrations.errors`:
- TransientError: HTTP 429/5xx, network, a GraphQL error saying "too often" (Semble throttles
  with HTTP 200), an unreadable 200 body on a query, INTERNAL_SERVER_ERROR on a query. Queries
  are retried with jittered backoff; a write is retried only when it provably did not run
  (connect error, HTTP 429, "too often").
- OutcomeUnknownError: a write whose answer was lost (timeout, reset, 5xx, unreadable 200 body,
  INTERNAL_SERVER_ERROR). `find_or_create_patient` settles a lost createPatient itself by
  searching again; a lost createIntegrationToken is settled by `integration_token()`.
- RejectedError: `error` in a mutation payload (`.messages`), "Cast to ObjectId failed" (an id
  that is not 24-hex; `.code` INVALID_ID), the API token refused (`.code` UNAUTHENTICATED).
- ContractError: Semble refused our document, or answered a shape we cannot read.

Logs carry operation names, error kinds and durations only: never names, e-mails or tokens.
Docs: https://docs.semble.io/docs/API/ ; ../shared/notes/vendor-facts.md (Semble).
"""

import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import Any, Unpack
from urllib.parse import quote

import httpx
from django.conf import settings

from integrations import graphql, transport
from integrations.client import ClientOptions
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
    VendorError,
)
from integrations.graphql import Errors
from integrations.readers import optional_str, required_argument, text
from integrations.semble.types import Patient

logger = logging.getLogger(__name__)

VENDOR = "semble"
PAGE_SIZE = 50
MAX_PAGES = 20  # 1,000 fuzzy matches: past that we cannot be sure there is no exact one
# "too often" comes back with HTTP 200 and no Retry-After: wait at least this long.
THROTTLE_PAUSE_SECONDS = 1.0
THROTTLED = re.compile(r"too often", re.IGNORECASE)
BAD_OBJECT_ID = re.compile(r"Cast to ObjectId failed", re.IGNORECASE)
INVALID_ID = "INVALID_ID"
UNAUTHENTICATED = "UNAUTHENTICATED"

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")


def questionnaire_link(
    questionnaire_token: str, integration_token: str, *, host: str | None = None
) -> str:
    """`<questionnaire host>/<questionnaire token>/<integration token>`.

    The host is a setting (SEMBLE_QUESTIONNAIRE_HOST): Semble is seen at both
    questionnaire.semble.io and questionnaires.semble.io. With a valid token the patient skips
    the personal-details fields; an invalid one shows "Failed to load questionnaire."
    """
    base = (host or settings.SEMBLE_QUESTIONNAIRE_HOST).rstrip("/")
    parts = []
    for name, value in (
        ("questionnaire token", questionnaire_token),
        ("integration token", integration_token),
    ):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"the {name} is required")
        parts.append(quote(value.strip(), safe=""))
    return f"{base}/{parts[0]}/{parts[1]}"


def is_object_id(value: str) -> bool:
    return bool(_OBJECT_ID.match(value or ""))


class SembleClient(graphql.GraphQLClient):
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    vendor = VENDOR  # `repr` shows the url only: never the token
    settings_prefix = "SEMBLE"

    def __init__(
        self,
        *,
        api_token: str | None = None,
        questionnaire_host: str | None = None,
        page_size: int = PAGE_SIZE,
        **options: Unpack[ClientOptions],
    ):
        super().__init__(**options)
        self._api_token = self._setting("API_TOKEN", api_token)
        self.questionnaire_host = self._setting("QUESTIONNAIRE_HOST", questionnaire_host)
        self.page_size = page_size

    # ----------------------------------------------------------------------------------------
    # Patients

    def find_patient(self, *, email: str) -> Patient | None:
        """The patient whose e-mail matches exactly (case-insensitive), else None.

        `patients(search:)` is fuzzy (a substring of names and e-mails), so every page is read
        and only exact matches count. Several exact matches: the oldest (lowest ObjectId, whose
        first bytes are its creation time). https://docs.semble.io/docs/API/queries/patients
        """
        wanted = email.strip().casefold()
        if not wanted:
            raise ValueError("email is required")
        matches = [
            patient
            for patient in self._patients(email.strip())
            if (patient.email or "").strip().casefold() == wanted
        ]
        return min(matches, key=lambda p: p.id.lower()) if matches else None

    def create_patient(
        self,
        *,
        first_name: str,
        last_name: str,
        email: str,
        dob: date | None = None,
        phone_number: str | None = None,
        phone_type: str | None = None,
    ) -> Patient:
        """Create a patient (Semble does not dedupe by e-mail: prefer find_or_create_patient).

        https://docs.semble.io/docs/API/mutations/create-patient
        """
        patient_data = {
            "first": first_name.strip(),
            "last": last_name.strip(),
            "email": email.strip(),
            "dob": dob.isoformat() if dob else None,
            "phoneNumber": phone_number.strip() if phone_number else None,
            "phoneType": phone_type if phone_number and phone_type else None,
        }
        variables = {"patientData": {k: v for k, v in patient_data.items() if v}}
        payload = self._execute("createPatient", variables)
        return self._payload("createPatient", payload, "data", _patient)

    def find_or_create_patient(self, *, email: str, **details: Any) -> tuple[Patient, bool]:
        """(patient, created): the exact e-mail match, else a new patient (`details` are the
        other keyword arguments of `create_patient`).

        A createPatient whose answer is lost is settled here by searching again, never by
        creating again: found, it is returned as created; not found, the OutcomeUnknownError
        is raised (the write did not happen as far as Semble's search shows, so the caller may
        simply run this again later).
        """
        found = self.find_patient(email=email)
        if found is not None:
            return found, False
        try:
            patient = self.create_patient(email=email, **details)
        except OutcomeUnknownError as lost:
            try:
                found = self.find_patient(email=email)
            except TransientError:
                raise lost from None
            if found is None:
                raise
            logger.info("semble createPatient answer lost; found the patient on look-up")
            return found, True
        return patient, True

    # ----------------------------------------------------------------------------------------
    # Integration tokens

    def create_integration_token(self, patient_id: str) -> str:
        """A new integration token for the patient, valid for one week.

        After an OutcomeUnknownError, `integration_token(patient_id)` returns the token the lost
        call created (if it ran) before minting another.
        https://docs.semble.io/docs/API/mutations/create-integration-token
        """
        payload = self._execute("createIntegrationToken", {"patient": _id(patient_id)})
        return self._payload("createIntegrationToken", payload, "data", _token)

    def integration_token(self, patient_id: str) -> str | None:
        """The patient's current integration token, None if Semble returns none.

        https://docs.semble.io/docs/API/queries/integration-token
        """
        node = self._execute("integrationToken", {"patient": _id(patient_id)})
        if node is None:
            return None
        with self._reading("integrationToken"):
            return _token(node) if node.get("token") else None

    def questionnaire_link(self, questionnaire_token: str, integration_token: str) -> str:
        return questionnaire_link(
            questionnaire_token, integration_token, host=self.questionnaire_host
        )

    # ----------------------------------------------------------------------------------------
    # Plumbing

    def _patients(self, search: str) -> Iterator[Patient]:
        for page in range(1, MAX_PAGES + 1):
            variables = {"search": search, "pagination": {"page": page, "pageSize": self.page_size}}
            result = self._execute("patients", variables)
            if result is None:
                return
            with self._reading("patients"):
                nodes = result["data"] or []
                if not isinstance(nodes, list):
                    raise TypeError("data is not a list")
                patients = [_patient(node) for node in nodes if node is not None]
                page_info = result.get("pageInfo") or {}
                has_more = page_info.get("hasMore")
                if has_more is not None and not isinstance(has_more, bool):
                    raise TypeError("hasMore is not a boolean")
            yield from patients
            if not has_more or not nodes:
                return
        raise ContractError(VENDOR, "patients", f"more than {MAX_PAGES} pages of fuzzy matches")

    def _execute(self, operation: str, variables: dict[str, Any]) -> Any:
        """Send one operation; return `data.<operation>`."""
        return super()._execute(operation, variables, headers={"x-token": self._api_token})

    def _routine(self, error: VendorError) -> bool:
        return isinstance(error, RejectedError) and error.code is None

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> Any:
        if response.status_code in (401, 403):
            raise RejectedError(
                VENDOR,
                operation,
                f"API token refused (HTTP {response.status_code})",
                code=UNAUTHENTICATED,
            )
        body = self._json_object(operation, response, is_write=is_write, damaged_is_lost=True)
        errors = body.get("errors")
        if errors:
            _raise_for_errors(operation, errors, response, is_write=is_write)
        result = graphql.root_field(VENDOR, operation, response, body)
        if is_write:
            _raise_for_payload_error(operation, result)
        return result


# --------------------------------------------------------------------------------------------
# Errors


def _raise_for_errors(
    operation: str, errors: Any, response: httpx.Response, *, is_write: bool
) -> None:
    found = Errors.read(VENDOR, operation, errors)
    # Throttling first: it arrives as HTTP 200 with an ordinary-looking (500-coded) error.
    if any(THROTTLED.search(m) for m in found.messages):
        retry_after = transport.retry_after(response)
        raise TransientError(
            VENDOR,
            operation,
            "throttled (too often)",
            retry_after=max(retry_after or 0.0, THROTTLE_PAUSE_SECONDS),
        )
    if UNAUTHENTICATED in found.codes:
        raise RejectedError(VENDOR, operation, found.detail, code=UNAUTHENTICATED)
    if any(BAD_OBJECT_ID.search(m) for m in found.messages):
        raise RejectedError(
            VENDOR, operation, "not a Semble id (Cast to ObjectId failed)", code=INVALID_ID
        )
    raise found.apollo_failure(is_write=is_write, name="Semble")


def _raise_for_payload_error(operation: str, payload: Any) -> None:
    """Semble's mutation payloads carry refusals in `error` (a string) next to `data`."""
    error = graphql.payload_refusal(VENDOR, operation, payload, "error", str, "a string")
    if error is None:
        return
    raise RejectedError(
        VENDOR, operation, error[:500], messages=[FieldMessage(field=None, message=error)]
    )


# --------------------------------------------------------------------------------------------
# Readers


def _id(value: str) -> str:
    return required_argument(value, "a Semble patient id")


def _patient(node: Any) -> Patient:
    return Patient(
        id=text(node["id"], "patient id"),
        first_name=optional_str(node.get("firstName")),
        last_name=optional_str(node.get("lastName")),
        email=optional_str(node.get("email")),
    )


def _token(node: Any) -> str:
    return text(node["token"], "integration token")
