"""Qualiphy REST client: exam invites, their cancellation, the clinic's exam list.

Every call is `POST <QUALIPHY_API_URL>/<name>` with a JSON body that carries `api_key` (Qualiphy
has no auth header). Results are the frozen values of `types.py`; failures are the typed errors of
`integrations.errors`:

- TransientError: HTTP 429/5xx or a network failure. `exam_list` and `cancel_exam_invite` are
  retried with jittered backoff (a repeated cancel is harmless). `exam_invite` is retried only when
  the request provably did not run (connect error, 429).
- OutcomeUnknownError: `exam_invite` was sent but its answer was lost (timeout, reset, 5xx, a
  truncated 2xx body). Qualiphy has no way to look an invite up, so never resend it blindly:
  see `exam_invite` for how a caller settles it.
- RejectedError: 400 (invalid request; `.messages` carries Qualiphy's text) and 401 with `.code`:
  UNAUTHORIZED (api key), PROVIDER_MISSING (no Patient Care Provider for the patient's state),
  CONTRACT_UNSIGNED, RX_CONTRACT_UNSIGNED. Qualiphy words its errors under `error_message` or
  `message` depending on the endpoint and the error: both are read.
- ContractError: JSON of a shape we cannot read.

Reference: ../shared/vendor-contracts/qualiphy/openapi.json (https://api.qualiphy.me/api/<name>).
Logs carry operation names, HTTP statuses, error codes and durations only: never patient data,
the api key, meeting links or the webhook URL (it carries our secret).
"""

import json
import logging
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Unpack

import httpx

from integrations import transport
from integrations.client import ClientOptions, VendorClient
from integrations.errors import (
    ContractError,
    FieldMessage,
    OutcomeUnknownError,
    RejectedError,
    TransientError,
)
from integrations.qualiphy.types import Exam, ExamCancellation, ExamInvite, PatientExam
from integrations.readers import aware_datetime, required_argument, text

logger = logging.getLogger(__name__)

VENDOR = "qualiphy"
DOCS = "https://api.qualiphy.me (../shared/vendor-contracts/qualiphy/openapi.json)"
TEST_STATE = "TE"  # test mode: `state` and `tele_state` "TE", first name "Test Approve", ...

# RejectedError codes.
INVALID_REQUEST = "INVALID_REQUEST"
UNAUTHORIZED = "UNAUTHORIZED"
PROVIDER_MISSING = "PROVIDER_MISSING"
CONTRACT_UNSIGNED = "CONTRACT_UNSIGNED"
RX_CONTRACT_UNSIGNED = "RX_CONTRACT_UNSIGNED"
ALREADY_CANCELLED = "ALREADY_CANCELLED"
EXAM_ALREADY_COMPLETED = "EXAM_ALREADY_COMPLETED"  # cancel after the provider's verdict

_REQUEST_FIELDS = (
    "api_key",
    "exams",
    "first_name",
    "last_name",
    "email",
    "dob",
    "phone_number",
    "tele_state",
    "state",
    "webhook_url",
    "additional_data",
    "pharmacy_id",
    "order_set_id",
    "exam_pos_id",
    "patient_exam_id",
)
_FIELD_IN_MESSAGE = re.compile(r"\b(" + "|".join(_REQUEST_FIELDS) + r")\b")
_STATE = re.compile(r"[A-Z]{2}")
_DOB = re.compile(r"\d{4}-\d{2}-\d{2}")


class QualiphyClient(VendorClient):
    """Holds one pooled httpx.Client; use it as a context manager or call close()."""

    vendor = VENDOR  # `repr` shows the url only: never the key
    settings_prefix = "QUALIPHY"

    def __init__(self, *, api_key: str | None = None, **options: Unpack[ClientOptions]):
        super().__init__(**options)
        self.url = self.url.rstrip("/")
        self._api_key = self._setting("API_KEY", api_key)

    def default_retry_policy(self) -> transport.RetryPolicy:
        return transport.RetryPolicy(max_attempts=3)

    # ----------------------------------------------------------------------------------------

    def exam_list(self) -> list[Exam]:
        """Every exam configured on the clinic (a read; retried). POST /api/exam_list"""
        body = self._call("exam_list", {}, is_write=False)
        with self._reading("exam_list"):
            exams = body["exams"]
            if not isinstance(exams, list):
                raise TypeError("exams is not a list")
            return [_exam(node) for node in exams]

    def exam_invite(
        self,
        *,
        exams: Sequence[int],
        first_name: str,
        last_name: str,
        email: str,
        dob: date | str,
        phone_number: str,
        tele_state: str,
        state: str | None = None,
        webhook_url: str | None = None,
        additional_data: str | dict | None = None,
        pharmacy_id: int | None = None,
        order_set_id: int | None = None,
        exam_pos_id: int | None = None,
    ) -> ExamInvite:
        """Invite a patient to one meeting for `exams`; Qualiphy emails and texts the link.

        `tele_state` is the patient's 2-letter state (required, whatever the seed says; "TE" is
        test mode, and then `state` defaults to "TE" too). `phone_number` is normalised to
        `+1XXXXXXXXXX` or 10 digits. `additional_data` (a string, or a dict sent as JSON) comes
        back unchanged in every webhook event: put the booking's reference in it.

        Never resent blindly. On OutcomeUnknownError the invite may exist: Qualiphy offers no
        lookup, so a caller either waits for a webhook carrying its `additional_data` (and
        cancels a stray invite by the patient_exam_id it names), or accepts one possible
        duplicate email and sends again with the same `additional_data`.
        POST /api/exam_invite
        """
        payload = {
            "exams": _exam_ids(exams),
            "first_name": required_argument(first_name, "first_name"),
            "last_name": required_argument(last_name, "last_name"),
            "email": required_argument(email, "email"),
            "dob": _dob(dob),
            "phone_number": normalize_phone(phone_number),
            "tele_state": _state("tele_state", tele_state),
        }
        if state is not None:
            payload["state"] = _state("state", state)
        elif payload["tele_state"] == TEST_STATE:
            payload["state"] = TEST_STATE
        if webhook_url:
            payload["webhook_url"] = webhook_url
        if additional_data is not None:
            payload["additional_data"] = (
                additional_data
                if isinstance(additional_data, str)
                else json.dumps(additional_data, separators=(",", ":"), sort_keys=True)
            )
        for name, value in (
            ("pharmacy_id", pharmacy_id),
            ("order_set_id", order_set_id),
            ("exam_pos_id", exam_pos_id),
        ):
            if value is not None:
                payload[name] = _int(name, value)
        body = self._call("exam_invite", payload, is_write=True)
        with self._reading("exam_invite"):
            patient_exams = body["patient_exams"]
            if not isinstance(patient_exams, list) or not patient_exams:
                raise ValueError("no patient_exams in the answer")
            return ExamInvite(
                meeting_uuid=text(body["meeting_uuid"], "meeting_uuid"),
                meeting_url=text(body["meeting_url"], "meeting_url"),
                patient_exams=tuple(_patient_exam(node) for node in patient_exams),
            )

    def cancel_exam_invite(self, patient_exam_id: int) -> ExamCancellation:
        """Cancel one exam of an invite; a second cancel (Qualiphy: 400) returns normally with
        `already_cancelled=True`, so this is safe to repeat (and retried on a lost answer).
        After the provider's verdict it is a RejectedError with code EXAM_ALREADY_COMPLETED.
        POST /api/exam_invite_cancel
        """
        exam_id = _int("patient_exam_id", patient_exam_id)
        try:
            body = self._call("exam_invite_cancel", {"patient_exam_id": exam_id}, is_write=False)
        except RejectedError as exc:
            if exc.code == ALREADY_CANCELLED:
                return ExamCancellation(patient_exam_id=exam_id, already_cancelled=True)
            raise
        with self._reading("exam_invite_cancel"):
            status = body.get("status")
            if not isinstance(status, str) or not status.lower().startswith("cancel"):
                raise ValueError(f"unexpected status {status!r}")
            cancelled_at = body.get("cancelled_at")
            return ExamCancellation(
                patient_exam_id=exam_id,
                cancelled_at=aware_datetime(cancelled_at) if cancelled_at else None,
            )

    # ----------------------------------------------------------------------------------------
    # Plumbing

    def _call(self, operation: str, payload: dict[str, Any], *, is_write: bool) -> dict:
        """POST one operation; return the decoded 200 body. `is_write` marks a call that must
        not be repeated after a lost answer (reads and idempotent calls pass False)."""
        body = {"api_key": self._api_key, **payload}
        url = f"{self.url}/{operation}"
        return self._request(operation, "POST", url, json=body, is_write=is_write)

    def _interpret(self, operation: str, response: httpx.Response, *, is_write: bool) -> dict:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = _UNREADABLE
        if body is _UNREADABLE:
            if 200 <= status < 300 and is_write:
                # The write ran (2xx) but its answer is unreadable: the same as a lost answer.
                raise OutcomeUnknownError(
                    VENDOR, operation, f"unreadable answer to a write (HTTP {status})"
                )
            if status in (400, 401, 403):
                raise RejectedError(VENDOR, operation, f"HTTP {status}", code=_status_code(status))
            raise ContractError(VENDOR, operation, f"non-JSON body (HTTP {status})")
        if not isinstance(body, dict):
            raise ContractError(VENDOR, operation, "response body is not a JSON object")
        http_code = body.get("http_code")
        if status == 200 and isinstance(http_code, int) and http_code >= 400:
            status = http_code  # an error reported in the body only
        if status == 200:
            return body
        message = error_message(body)
        detail = (message or f"HTTP {status}")[:500]
        if status >= 500:
            error = OutcomeUnknownError if is_write else TransientError
            raise error(VENDOR, operation, f"HTTP {status}")
        if status == 400:
            raise RejectedError(
                VENDOR,
                operation,
                detail,
                messages=[FieldMessage(field=_field(message), message=message)] if message else [],
                code=_code_400(message),
            )
        if status in (401, 403):
            raise RejectedError(
                VENDOR,
                operation,
                detail,
                messages=[FieldMessage(field=None, message=message)] if message else [],
                code=_code_401(message) if status == 401 else _status_code(status),
            )
        raise ContractError(VENDOR, operation, f"unexpected HTTP {status}")


# --------------------------------------------------------------------------------------------
# Answers


_UNREADABLE = object()


def error_message(body: Any) -> str | None:
    """Qualiphy's error text: under `error_message` on some errors, `message` on others."""
    if not isinstance(body, dict):
        return None
    for key in ("error_message", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _code_400(message: str | None) -> str:
    text = (message or "").lower()
    if re.search(r"already\s+cancel", text):
        return ALREADY_CANCELLED
    if re.search(r"already\s+(approved|rejected|deferred|completed|na\b|missed)", text):
        return EXAM_ALREADY_COMPLETED
    return INVALID_REQUEST


def _code_401(message: str | None) -> str:
    text = " ".join((message or "").lower().split())
    if "patient care provider" in text:
        return PROVIDER_MISSING
    if "prescriptive" in text:
        return RX_CONTRACT_UNSIGNED
    if "contract" in text or "docusign" in text:
        return CONTRACT_UNSIGNED
    return UNAUTHORIZED


def _status_code(status: int) -> str:
    return {400: INVALID_REQUEST, 401: UNAUTHORIZED}.get(status, f"HTTP_{status}")


def _field(message: str | None) -> str | None:
    match = _FIELD_IN_MESSAGE.search(message or "")
    return match[1] if match else None


# --------------------------------------------------------------------------------------------
# Readers (raise KeyError/TypeError/ValueError -> ContractError) and request checks (ValueError)


def _int(name: str, value: Any) -> int:
    """An integer id (Qualiphy sends some as numeric strings)."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    raise ValueError(f"{name}: expected an integer, got {value!r}")


def _exam(node: Any) -> Exam:
    attachments = node.get("attachments") or []
    if not isinstance(attachments, list):
        raise TypeError("attachments is not a list")
    price = node.get("price")
    return Exam(
        id=_int("id", node["id"]),
        title=node.get("title") or "",
        rx_type=_int("rx_type", node["rx_type"]) if node.get("rx_type") is not None else None,
        price=None if price is None else str(price),
        attachments_required=(
            _int("attachments_required", node["attachments_required"])
            if node.get("attachments_required") is not None
            else None
        ),
        attachments=tuple(str(a) for a in attachments),
    )


def _patient_exam(node: Any) -> PatientExam:
    return PatientExam(
        patient_exam_id=_int("patient_exam_id", node["patient_exam_id"]),
        exam_id=_int("exam_id", node["exam_id"]),
        exam_title=str(node.get("exam_title") or ""),
    )


def _exam_ids(exams: Sequence[int]) -> list[int]:
    ids = [_int("exams", exam) for exam in exams]
    if not ids:
        raise ValueError("exams: at least one exam id is required")
    return ids


def _dob(value: date | str) -> str:
    if isinstance(value, datetime):
        raise ValueError("dob is a date, not a datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DOB.fullmatch(value.strip()):
        date.fromisoformat(value.strip())  # a real calendar date
        return value.strip()
    raise ValueError("dob must be a date (YYYY-MM-DD)")


def _state(name: str, value: str) -> str:
    state = (value or "").strip().upper()
    if not _STATE.fullmatch(state):
        raise ValueError(f"{name} must be a 2-letter state abbreviation (TE for test mode)")
    return state


def normalize_phone(value: str) -> str:
    """The two spellings Qualiphy accepts: `+15552223232` or `5552223232` (US numbers)."""
    text = (value or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    if len(digits) == 10 and not text.startswith("+"):
        return digits
    raise ValueError("phone_number must be a US number: +15552223232 or 10 digits")
