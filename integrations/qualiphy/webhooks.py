"""Qualiphy's exam lifecycle webhook: the raw POST body read into typed events.

Qualiphy POSTs JSON to the `webhook_url` given to `exam_invite`, discriminated by the integer
`event`:

- 1 ConsultationComplete: the provider's verdict (`exam_status`: Approved, Rejected, Deferred to
  Medical Director, NA, Missed), `exam_url` (a PDF, valid 24 h), ids as strings;
- 2 PrescriptionConfirmed: Rx exams only, ids as integers, the prescription items;
- 3 PrescriptionTracking: partner-pharmacy shipments only.

The webhook is **unsigned**: the app's endpoint carries a secret in its URL (`secret_matches`) and
should answer 200 fast, then process. Qualiphy retries slow answers, so every event has a
`dedupe_key` of (event, patient_exam_id), ids normalised to strings whatever spelling came in.
Patient data (email, phone, answers) stays out of `repr`.

Qualiphy also retries 5xx forever, so a body is checked here against what Qualiphy documents
before anything is stored: an event number other than 1, 2 or 3, a verdict outside the five
statuses, an id of other characters or longer than 64, or JSON nested too deep is a
WebhookPayloadError (the view answers 400), never a database error.

No Django here: the app's view calls `parse_event(request.body)`.
"""

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from integrations.readers import identifier as _id
from integrations.readers import listed
from integrations.readers import optional_int as _int

CONSULTATION_COMPLETE = 1
PRESCRIPTION_CONFIRMED = 2
PRESCRIPTION_TRACKING = 3

APPROVED = "Approved"
REJECTED = "Rejected"
DEFERRED = "Deferred to Medical Director"
NOT_AVAILABLE = "NA"
MISSED = "Missed"
EXAM_STATUSES = frozenset({APPROVED, REJECTED, DEFERRED, NOT_AVAILABLE, MISSED})
EVENTS = frozenset({CONSULTATION_COMPLETE, PRESCRIPTION_CONFIRMED, PRESCRIPTION_TRACKING})

# Qualiphy's ids: integers, or strings such as "patient-exam-789" (its own examples); never
# longer than the 64 characters we store.
_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class WebhookPayloadError(ValueError):
    """The body is not a Qualiphy event we can read (answer 400; do not record it)."""


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    no: int | None = None
    question_id: int | None = None


class _Event:
    """What every event shares: Qualiphy may send it more than once."""

    event: int
    patient_exam_id: str | None

    @property
    def dedupe_key(self) -> tuple[int, str]:
        return (self.event, self.patient_exam_id or "")


@dataclass(frozen=True)
class ConsultationComplete(_Event):
    """Event 1: the consultation is over; `exam_status` is the verdict."""

    patient_exam_id: str
    exam_id: str
    exam_status: str
    exam_name: str | None = None
    exam_url: str | None = field(default=None, repr=False)  # PDF link, expires after 24 h
    reason: str | None = None
    rx_status: str | None = None
    provider_name: str | None = None
    clinic_name: str | None = None
    additional_data: str | None = None  # echoed from exam_invite (our reference)
    patient_email: str | None = field(default=None, repr=False)
    patient_phone_number: str | None = field(default=None, repr=False)
    questions_answers: tuple[Answer, ...] = field(default=(), repr=False)
    event: int = CONSULTATION_COMPLETE

    @property
    def is_approved(self) -> bool:
        return self.exam_status == APPROVED


@dataclass(frozen=True)
class Tracking:
    tracking_number: str | None = None
    ship_carrier: str | None = None
    delivery_service: str | None = None
    rx_number: str | None = None
    pharmacy_location: str | None = None


@dataclass(frozen=True)
class Prescription:
    prescription_id: str
    drug_name: str | None = None
    strength: str | None = None
    quantity: str | None = None
    schedule_code: str | None = None  # a controlled substance when set (storage is regulated)
    pharmacy_name: str | None = None
    tracking: tuple[Tracking, ...] = ()


@dataclass(frozen=True)
class PrescriptionConfirmed(_Event):
    """Event 2: the treatment order is written and confirmed at the pharmacy (Rx exams)."""

    patient_exam_id: str
    exam_id: str
    exam_status: str | None = None
    exam_name: str | None = None
    exam_url: str | None = field(default=None, repr=False)
    rx_status: str | None = None
    provider_name: str | None = None
    prescribed_os_id: int | None = None
    prescriptions: tuple[Prescription, ...] = field(default=(), repr=False)
    patient_email: str | None = field(default=None, repr=False)
    patient_phone_number: str | None = field(default=None, repr=False)
    event: int = PRESCRIPTION_CONFIRMED


@dataclass(frozen=True)
class PrescriptionTracking(_Event):
    """Event 3: a partner pharmacy shipped the treatment."""

    patient_exam_id: str
    prescription_id: str | None = None
    tracking_number: str | None = None
    delivery_service: str | None = None
    pharmacy_location: str | None = None
    order_id: str | None = None
    event: int = PRESCRIPTION_TRACKING


Event = ConsultationComplete | PrescriptionConfirmed | PrescriptionTracking


def secret_matches(provided: str | None, expected: str | None) -> bool:
    """Constant-time check of the secret in the webhook URL; never true without a secret."""
    if not expected or not provided:
        return False
    return hmac.compare_digest(provided.encode(), expected.encode())


def parse_event(body: bytes | str | dict) -> Event:
    """Read one webhook body. Raises WebhookPayloadError for anything that is not an event."""
    if isinstance(body, bytes | str):
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise WebhookPayloadError("body is not JSON we read") from exc
    else:
        payload = body
    if not isinstance(payload, dict):
        raise WebhookPayloadError("body is not a JSON object")
    try:
        event = _int(payload.get("event"))
        if event is None:
            raise ValueError("no event number")
        if event == CONSULTATION_COMPLETE:
            return _consultation_complete(payload)
        if event == PRESCRIPTION_CONFIRMED:
            return _prescription_confirmed(payload)
        if event == PRESCRIPTION_TRACKING:
            return _prescription_tracking(payload)
        raise ValueError("not one of Qualiphy's documented events")
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise WebhookPayloadError(f"unreadable event: {exc}") from exc


# --------------------------------------------------------------------------------------------


def _consultation_complete(payload: dict) -> ConsultationComplete:
    status = _str(payload.get("exam_status"))
    if not status:
        raise ValueError("exam_status is missing")
    _check_status(status)
    return ConsultationComplete(
        **_exam(payload),
        exam_status=status,
        **_texts(payload, "reason", "clinic_name", "additional_data"),
        questions_answers=_answers(payload.get("questions_answers")),
    )


def _prescription_confirmed(payload: dict) -> PrescriptionConfirmed:
    items = listed(payload.get("prescription"), "prescription")
    status = _str(payload.get("exam_status"))
    if status:
        _check_status(status)
    return PrescriptionConfirmed(
        **_exam(payload),
        exam_status=status,
        prescribed_os_id=_int(payload.get("prescribed_os_id")),
        prescriptions=tuple(_prescription(item) for item in items if isinstance(item, dict)),
    )


def _prescription_tracking(payload: dict) -> PrescriptionTracking:
    prescription = payload.get("prescription_id")
    return PrescriptionTracking(
        patient_exam_id=_exam_ref(payload["patient_exam_id"]),
        prescription_id=_id(prescription) if prescription not in (None, "") else None,
        **_texts(payload, "tracking_number", "delivery_service", "pharmacy_location", "order_id"),
    )


def _exam(payload: dict) -> dict[str, Any]:
    """The fields events 1 and 2 share."""
    return {
        "patient_exam_id": _exam_ref(payload["patient_exam_id"]),
        "exam_id": _exam_ref(payload["exam_id"]),
        "exam_url": _str(payload.get("exam_url")) or None,
        **_texts(
            payload,
            "exam_name",
            "rx_status",
            "provider_name",
            "patient_email",
            "patient_phone_number",
        ),
    }


def _prescription(item: dict) -> Prescription:
    tracking = listed(item.get("prescription_tracking"), "prescription_tracking")
    return Prescription(
        prescription_id=_id(item["prescription_id"]),
        **_texts(item, "drug_name", "strength", "quantity", "pharmacy_name"),
        schedule_code=_str(item.get("schedule_code")) or None,
        tracking=tuple(
            Tracking(
                **_texts(
                    t,
                    "tracking_number",
                    "ship_carrier",
                    "delivery_service",
                    "rx_number",
                    "pharmacy_location",
                )
            )
            for t in tracking
            if isinstance(t, dict)
        ),
    )


def _answers(value: Any) -> tuple[Answer, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TypeError("questions_answers is not a list")
    return tuple(
        Answer(
            question=_str(item.get("question")) or "",
            answer=_str(item.get("answer")) or "",
            no=_int(item.get("no")),
            question_id=_int(item.get("question_id")),
        )
        for item in value
        if isinstance(item, dict)
    )


def _check_status(status: str) -> None:
    if status not in EXAM_STATUSES:
        raise ValueError("exam_status is not one of Qualiphy's verdicts")


def _exam_ref(value: Any) -> str:
    """An exam id as Qualiphy spells them (anything longer or stranger is not Qualiphy's)."""
    text = _id(value)
    if not _ID.fullmatch(text):
        raise ValueError("not a Qualiphy id")
    return text


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _texts(source: dict, *names: str) -> dict[str, str | None]:
    """{name: its text or None} for each of `names` in `source`."""
    return {name: _str(source.get(name)) for name in names}
