"""`QualiphySandbox`: Qualiphy's REST API as the sandbox server sees it (`/qualiphy/api/<name>`).

What it emulates (vendor-facts, openapi.json):
- every endpoint is `POST /api/<name>` with JSON; `api_key` in the body (no header): a missing
  or wrong key is 401 `{"error_message": "Unauthorized access."}`;
- `exam_invite` validates like the real one, and like the real one words its 400s under
  `error_message` for some errors (missing field, unknown exam, one Rx exam per meeting) and under
  `message` for others (malformed dob, phone_number, tele_state, email, ids); 401 reasons:
  no Patient Care Provider for the patient's state, unsigned contract, unsigned Rx contract;
- invites are stateful: `exam_invite_cancel` cancels once, then answers 400 "already cancelled";
  after a verdict it answers 400 "Exam status is already approved." and so on;
- test mode: `tele_state` "TE" (and `state` "TE"); the patient's name ("Test Approve",
  "Test Reject", "Test N/A", "Test Prescription Approve", ...) decides the test verdict;
- the exam lifecycle webhook (unsigned JSON POST), sent when a test or the demo asks for it.

Controls (`POST /_sandbox/config/qualiphy`, see `configure`): the api key, a fallback webhook URL,
covered states, contract flags, automatic test-mode verdicts, and `trigger` to send an event.
Faults and the call log belong to the shared server.
"""

import itertools
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import httpx

from integrations.sandbox import shared
from integrations.sandbox.base import Clock, Request, Response

logger = logging.getLogger(__name__)

DEFAULT_API_KEY = "sandbox-qualiphy-key"
CLINIC_ID = 1234
CLINIC_NAME = "Sandbox Aesthetics Clinic"
PROVIDER_NAME = "NP Sandbox"
FIRST_PATIENT_EXAM_ID = 4844
MEETING_NAMESPACE = uuid.UUID("5f0c1e2a-7b1d-4c38-9a57-0d6c4b1f2e90")
TEST_STATE = "TE"
PENDING, CANCELLED = "Pending", "Cancelled"
APPROVED, REJECTED, DEFERRED, NA, MISSED = (
    "Approved",
    "Rejected",
    "Deferred to Medical Director",
    "NA",
    "Missed",
)
VERDICTS = (APPROVED, REJECTED, DEFERRED, NA, MISSED)

# id, title, rx_type (1 GFE, 2 Rx), price, attachments_required, attachments (openapi examples)
EXAMS = [
    (4226, "GFE Aesthetic", 1, None, 1, []),
    (2228, "Embrace Aging GFE (Dermal Fillers, Botox, PDO, Microneedling PRP)", 1, None, 1, []),
    (1822, "Clinical Evaluation for Injectables & Lifting", 1, "27.99", 1, []),
    (
        2769,
        "3 Month Supply: Semaglutide with Medication Shipping (No Labwork Required)",
        2,
        None,
        2,
        ["ID"],
    ),
    (
        1486,
        "Urgent Care - Acne (Doxycycline, Clindamycin, Benzoyl Peroxide) Treatment",
        2,
        None,
        2,
        ["ID"],
    ),
]
PARTNER_PHARMACY = (16, "Greenwich Pharmacy")

_STATES = """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV
NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"""
US_STATES = frozenset(_STATES.split())
REQUIRED = ("exams", "first_name", "last_name", "email", "dob", "phone_number", "tele_state")
PHONE = re.compile(r"\+1\d{10}|\d{10}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

UNAUTHORIZED = {"error_message": "Unauthorized access."}
PROVIDER_MISSING = {
    "http_code": 401,
    "error_message": "Need to add Patient Care Provider via Qualiphy Portal!",
}
CONTRACT_UNSIGNED = {"http_code": 401, "error_message": "Need to sign contract!"}
RX_CONTRACT_UNSIGNED = {
    "http_code": 401,
    "error_message": "Need to sign Prescriptive Services Contract via\nQualiphy Portal!",
}

DEFAULTS: dict[str, Any] = {
    "api_key": None,  # None: settings.SANDBOX_QUALIPHY_API_KEY (or the demo key)
    "webhook_url": None,  # used when an invite has no webhook_url of its own
    "provider_states": None,  # states with a Patient Care Provider; None: every state
    "contract_signed": True,
    "rx_contract_signed": True,
    "auto_complete_test_mode": False,  # send test-mode verdicts by themselves after a delay
    "auto_complete_delay_seconds": 1.0,
    "webhook_timeout_seconds": 5.0,
}


def configured_api_key() -> str:
    """Django's SANDBOX_QUALIPHY_API_KEY, else the environment, else the demo key."""
    return shared.setting("SANDBOX_QUALIPHY_API_KEY", DEFAULT_API_KEY)


@dataclass
class Meeting:
    """One `exam_invite`: the patient and the meeting all its exams share."""

    meeting_uuid: str
    first_name: str
    last_name: str
    email: str
    phone_number: str
    tele_state: str
    webhook_url: str | None
    additional_data: str | None
    pharmacy_id: int | None
    test_outcome: str | None  # verdict the test provider gives, from the patient's name
    test_prescription: bool


@dataclass
class PatientExam:
    patient_exam_id: int
    exam_id: int
    exam_title: str
    rx_type: int
    meeting: Meeting
    status: str = PENDING
    cancelled_at: str | None = None


class QualiphySandbox:
    name = "qualiphy"

    def __init__(self, clock: Clock, *, api_key: str | None = None):
        self.clock = clock
        self._api_key = api_key
        self._lock = threading.RLock()
        self.reset()

    # --- VendorSandbox --------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self._options = dict(DEFAULTS)
            self._exams = {
                exam_id: {
                    "id": exam_id,
                    "title": title,
                    "rx_type": rx_type,
                    "price": price,
                    "attachments_required": required,
                    "attachments": list(attachments),
                }
                for exam_id, title, rx_type, price, required, attachments in EXAMS
            }
            self._meetings: list[Meeting] = []
            self._patient_exams: dict[int, PatientExam] = {}
            self._ids = itertools.count(FIRST_PATIENT_EXAM_ID)
            self._meeting_numbers = itertools.count(1)
            self._deliveries: list[dict] = []
            self._generation = getattr(self, "_generation", 0) + 1

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options: api_key, webhook_url, provider_states (list of states; None for all),
        contract_signed, rx_contract_signed, auto_complete_test_mode,
        auto_complete_delay_seconds, webhook_timeout_seconds.

        `trigger: {patient_exam_id, event=1, exam_status=<test verdict or Approved>, url=None,
        repeat=1}` sends that event for the exam the way Qualiphy does (JSON POST, no signature)
        to `url`, else the invite's webhook_url, else the configured one; event 1 also records
        the verdict. The answer then has `delivery` (status, status_code, error).

        Returns the options, `counts` (invites, patient_exams, cancelled, by_status),
        `invites` (ids, statuses, additional_data; no patient data) and `deliveries`."""
        options = dict(options)
        trigger = options.pop("trigger", None)
        checks = {
            "api_key": lambda v: v is None or (isinstance(v, str) and v != ""),
            "webhook_url": lambda v: v is None or (isinstance(v, str) and v.startswith("http")),
            "provider_states": lambda v: (
                v is None or (isinstance(v, list) and all(isinstance(s, str) for s in v))
            ),
            "contract_signed": lambda v: isinstance(v, bool),
            "rx_contract_signed": lambda v: isinstance(v, bool),
            "auto_complete_test_mode": lambda v: isinstance(v, bool),
            "auto_complete_delay_seconds": lambda v: isinstance(v, int | float) and v >= 0,
            "webhook_timeout_seconds": lambda v: isinstance(v, int | float) and v > 0,
        }
        shared.check_options("Qualiphy", options, checks)
        with self._lock:
            self._options.update(options)
        described = self._described()
        if trigger is not None:
            if not isinstance(trigger, dict):
                raise ValueError("trigger is an object: {patient_exam_id, event, exam_status}")
            described["delivery"] = self.trigger(**trigger)
            described["deliveries"] = self._deliveries_copy()
            described["counts"] = self._counts()
        return described

    def operation(self, request: Request) -> str:
        match = re.fullmatch(r"/api/([A-Za-z_]+)/?", request.path)
        if match:
            return match[1]
        if request.path.startswith("/meeting/"):
            return "meeting"
        return "unknown"

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path.startswith("/meeting/"):
            return self._meeting_page(request.path.removeprefix("/meeting/").strip("/"))
        operation = self.operation(request)
        if operation in ("unknown", "meeting") or request.method != "POST":
            return Response.text(f"Cannot {request.method} {request.path}", status=404)
        try:
            payload = request.json()
        except ValueError:
            return Response.json({"http_code": 400, "message": "Invalid JSON body."}, 400)
        if not isinstance(payload, dict):
            return Response.json({"http_code": 400, "error_message": "Invalid Request."}, 400)
        key = payload.get("api_key")
        if not isinstance(key, str) or key != self._effective_api_key():
            return Response.json(UNAUTHORIZED, status=401)
        handler = {
            "exam_list": self._exam_list,
            "exam_invite": lambda p: self._exam_invite(p, request),
            "exam_invite_cancel": self._exam_invite_cancel,
            "exam_invite_resend": self._exam_invite_resend,
        }.get(operation)
        if handler is None:
            return Response.text(f"Cannot POST {request.path}", status=404)
        with self._lock:
            return handler(payload)

    # --- endpoints ------------------------------------------------------------------------

    def _exam_list(self, payload: dict) -> Response:
        return Response.json({"clinic_id": CLINIC_ID, "exams": list(self._exams.values())})

    def _exam_invite(self, payload: dict, request: Request) -> Response:
        for name in REQUIRED:
            if payload.get(name) in (None, "", []):
                return _bad(
                    {"http_code": 400, "error_message": f"Invalid Request. {name} is required."}
                )
        exams = payload["exams"]
        if not isinstance(exams, list) or not all(_is_int(e) for e in exams):
            return _bad({"http_code": 400, "message": "exams must be an array of exam ids."})
        unknown = [e for e in exams if e not in self._exams]
        if unknown:
            return _bad({"http_code": 400, "error_message": f"Invalid exam id: {unknown[0]}"})
        for name in ("first_name", "last_name", "email", "dob", "phone_number", "tele_state"):
            if not isinstance(payload[name], str):
                return _bad({"http_code": 400, "message": f"{name} must be a string."})
        if not _valid_date(payload["dob"]):
            return _bad(
                {"http_code": 400, "message": "Invalid dob. Use YYYY-MM-DD, e.g. 1990-06-30."}
            )
        if not PHONE.fullmatch(payload["phone_number"]):
            return _bad(
                {
                    "http_code": 400,
                    "message": "Invalid phone_number. Use +15552223232 or 1234567890.",
                }
            )
        if not EMAIL.fullmatch(payload["email"]):
            return _bad({"http_code": 400, "message": "Invalid email."})
        tele_state = payload["tele_state"]
        if tele_state not in US_STATES | {TEST_STATE}:
            return _bad(
                {
                    "http_code": 400,
                    "message": "Invalid tele_state. Use a two-letter uppercase state abbreviation, "
                    "DC for D.C., or TE for test mode.",
                }
            )
        state = payload.get("state")
        if state is not None and (
            not isinstance(state, str) or state not in US_STATES | {TEST_STATE}
        ):
            return _bad({"http_code": 400, "message": "Invalid state."})
        for name in ("pharmacy_id", "order_set_id", "exam_pos_id", "gender"):
            if payload.get(name) is not None and not _is_int(payload[name]):
                return _bad({"http_code": 400, "message": f"{name} must be an integer."})
        for name in ("webhook_url", "additional_data"):
            if payload.get(name) is not None and not isinstance(payload[name], str):
                return _bad({"http_code": 400, "message": f"{name} must be a string."})
        rx_exams = [e for e in exams if self._exams[e]["rx_type"] == 2]
        if len(rx_exams) > 1:
            return _bad(
                {
                    "http_code": 400,
                    "error_message": "Only 1 prescriptive exam may be completed at a time.",
                }
            )
        if not self._options["contract_signed"]:
            return Response.json(CONTRACT_UNSIGNED, status=401)
        if rx_exams and not self._options["rx_contract_signed"]:
            return Response.json(RX_CONTRACT_UNSIGNED, status=401)
        covered = self._options["provider_states"]
        if tele_state != TEST_STATE and covered is not None and tele_state not in covered:
            return Response.json(PROVIDER_MISSING, status=401)

        number = next(self._meeting_numbers)
        meeting_uuid = str(uuid.uuid5(MEETING_NAMESPACE, str(number)))
        outcome, prescription = (
            _test_outcome(payload) if tele_state == TEST_STATE else (None, False)
        )
        meeting = Meeting(
            meeting_uuid=meeting_uuid,
            first_name=payload["first_name"],
            last_name=payload["last_name"],
            email=payload["email"],
            phone_number=payload["phone_number"],
            tele_state=tele_state,
            webhook_url=payload.get("webhook_url"),
            additional_data=payload.get("additional_data"),
            pharmacy_id=payload.get("pharmacy_id"),
            test_outcome=outcome,
            test_prescription=prescription,
        )
        self._meetings.append(meeting)
        created = []
        for exam_id in exams:
            exam = self._exams[exam_id]
            record = PatientExam(
                patient_exam_id=next(self._ids),
                exam_id=exam_id,
                exam_title=exam["title"],
                rx_type=exam["rx_type"],
                meeting=meeting,
            )
            self._patient_exams[record.patient_exam_id] = record
            created.append(record)
        if outcome and self._options["auto_complete_test_mode"]:
            self._complete_later([r.patient_exam_id for r in created])
        return Response.json(
            {
                "http_code": 200,
                "meeting_url": f"{_base_url(request)}/meeting/{meeting_uuid}",
                "meeting_uuid": meeting_uuid,
                "patient_exams": [
                    {
                        "patient_exam_id": r.patient_exam_id,
                        "exam_title": r.exam_title,
                        "exam_id": r.exam_id,
                    }
                    for r in created
                ],
            }
        )

    def _exam_invite_cancel(self, payload: dict) -> Response:
        record, error = self._find_exam(payload)
        if error:
            return error
        if record.status == CANCELLED:
            return _bad({"http_code": 400, "error_message": "Exam status is already cancelled."})
        if record.status != PENDING:
            status = record.status if record.status in (DEFERRED, NA) else record.status.lower()
            return _bad({"http_code": 400, "error_message": f"Exam status is already {status}."})
        record.status = CANCELLED
        record.cancelled_at = _iso(self.clock.now())
        return Response.json(
            {
                "http_code": 200,
                "patient_exam_id": record.patient_exam_id,
                "status": "cancelled",
                "cancelled_at": record.cancelled_at,
            }
        )

    def _exam_invite_resend(self, payload: dict) -> Response:
        record, error = self._find_exam(payload)
        if error:
            return error
        if record.status != PENDING:
            return _bad({"http_code": 400, "error_message": f"Exam status is {record.status}."})
        return Response.json({"http_code": 200, "status": "ok"})

    def _find_exam(self, payload: dict) -> tuple[PatientExam | None, Response | None]:
        value = payload.get("patient_exam_id")
        if value in (None, ""):
            return None, _bad({"http_code": 400, "error_message": "Invalid Request."})
        if not _is_int(value):
            return None, _bad({"http_code": 400, "message": "patient_exam_id must be an integer."})
        record = self._patient_exams.get(value)
        if record is None:
            return None, _bad({"http_code": 400, "error_message": "Patient exam not found."})
        return record, None

    def _meeting_page(self, meeting_uuid: str) -> Response:
        with self._lock:
            known = any(m.meeting_uuid == meeting_uuid for m in self._meetings)
        if not known:
            return Response.text("Meeting not found", status=404)
        html = (
            "<!doctype html><html lang='en'><title>Qualiphy sandbox meeting</title>"
            "<h1>Qualiphy sandbox</h1><p>This is where the patient would meet the provider for "
            "a good faith exam. Nothing happens here; the sandbox sends the verdict by webhook "
            "when asked to.</p></html>"
        )
        return Response(
            status=200, body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
        )

    # --- webhooks -------------------------------------------------------------------------

    def trigger(
        self,
        *,
        patient_exam_id: int,
        event: int = 1,
        exam_status: str | None = None,
        url: str | None = None,
        repeat: int = 1,
        reason: str | None = None,
    ) -> dict:
        """Send one lifecycle event for an exam (see `configure`); returns the last delivery."""
        if event not in (1, 2, 3):
            raise ValueError("event is 1, 2 or 3")
        if not isinstance(repeat, int) or not 1 <= repeat <= 10:
            raise ValueError("repeat is 1 to 10")
        with self._lock:
            record = self._patient_exams.get(patient_exam_id)
            if record is None:
                raise ValueError(f"no patient exam {patient_exam_id}")
            if record.status == CANCELLED:
                raise ValueError(f"patient exam {patient_exam_id} was cancelled")
            status = exam_status or record.meeting.test_outcome or APPROVED
            if status not in VERDICTS:
                raise ValueError(f"exam_status is one of {', '.join(VERDICTS)}")
            if event == 1:
                record.status = status
            payload = self._event_payload(record, event, status, reason)
            target = url or record.meeting.webhook_url or self._options["webhook_url"]
            timeout = self._options["webhook_timeout_seconds"]
        if not target:
            raise ValueError("no webhook URL: the invite has none and none is configured")
        delivery = {}
        for _ in range(repeat):
            delivery = self._deliver(target, payload, timeout)
        return delivery

    def _event_payload(self, record: PatientExam, event: int, status: str, reason) -> dict:
        meeting = record.meeting
        pdf = f"https://sandbox-qualiphy.invalid/pdfs/{meeting.meeting_uuid}-{record.patient_exam_id}.pdf"
        if event == 1:
            no_show = status in (NA, MISSED)
            return {
                "event": 1,
                "reason": reason
                or ("Initial consultation complete" if status == APPROVED else f"Exam {status}"),
                "exam_id": str(record.exam_id),
                "exam_url": None if no_show else pdf,
                "exam_name": record.exam_title,
                "exam_status": status,
                "rx_status": "Pharmacy Confirmed"
                if record.rx_type == 2 and status == APPROVED
                else None,
                "clinic_name": CLINIC_NAME,
                "patient_email": meeting.email,
                "patient_phone_number": meeting.phone_number,
                "patient_exam_id": str(record.patient_exam_id),
                "provider_name": None if no_show else PROVIDER_NAME,
                "additional_data": meeting.additional_data or "",
                "questions_answers": []
                if status == MISSED
                else [
                    {
                        "question_id": 1,
                        "no": 1,
                        "question": "Are you currently taking any medications?",
                        "answer": "No",
                    }
                ],
            }
        if event == 2:
            return {
                "event": 2,
                "exam_id": record.exam_id,
                "exam_name": record.exam_title,
                "exam_status": status,
                "exam_url": pdf,
                "rx_status": "Pharmacy Confirmed",
                "clinic_name": CLINIC_NAME,
                "patient_email": meeting.email,
                "patient_phone_number": meeting.phone_number,
                "patient_exam_id": record.patient_exam_id,
                "provider_name": PROVIDER_NAME,
                "prescribed_os_id": 610,
                "prescription": [
                    {
                        "prescription_id": 3300 + record.patient_exam_id % 100,
                        "drug_name": "Semaglutide",
                        "dosage_form_type": "Inj",
                        "strength": "2mg",
                        "size": "2mL",
                        "quantity": "2",
                        "quantity_units": "",
                        "directions": "Inject 0.25mg subcutaneously weekly.",
                        "duration_days": 30,
                        "refill_amount": 2,
                        "ndc_number": "",
                        "gpi_number": "",
                        "schedule_code": "",
                        "active_ingredient": "",
                        "inactive_ingredient": "",
                        "pharmacy_name": PARTNER_PHARMACY[1],
                        "pharmacy_contacts": [],
                        "prescription_tracking": [],
                        "created_at": _iso(self.clock.now()),
                    }
                ],
                "questions_answers": [
                    {
                        "question_id": 1,
                        "no": 1,
                        "question": "How are you feeling?",
                        "answer": "Good.",
                    }
                ],
            }
        return {
            "event": 3,
            "patient_exam_id": str(record.patient_exam_id),
            "prescription_id": str(3300 + record.patient_exam_id % 100),
            "tracking_number": f"1Z{record.patient_exam_id:010d}",
            "delivery_service": "Overnight",
            "pharmacy_location": "Main Street Location",
            "order_id": str(9_000_000 + record.patient_exam_id),
        }

    def _deliver(self, url: str, payload: dict, timeout: float) -> dict:
        delivery = {
            "event": payload["event"],
            "patient_exam_id": str(payload["patient_exam_id"]),
            "status": "failed",
            "status_code": None,
            "error": None,
        }
        try:
            response = httpx.post(
                url,
                content=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json", "User-Agent": "Qualiphy-Webhook"},
                timeout=timeout,
                follow_redirects=False,
            )
            delivery["status_code"] = response.status_code
            if 200 <= response.status_code < 300:
                delivery["status"] = "delivered"
        except httpx.HTTPError as exc:
            delivery["error"] = type(exc).__name__
        with self._lock:
            delivery["id"] = len(self._deliveries) + 1
            self._deliveries.append(delivery)
        return dict(delivery)

    def _complete_later(self, patient_exam_ids: list[int]) -> None:
        delay = self._options["auto_complete_delay_seconds"]
        generation = self._generation

        def run():
            time.sleep(delay)
            for exam_id in patient_exam_ids:
                with self._lock:
                    if generation != self._generation:
                        return
                    record = self._patient_exams.get(exam_id)
                    if record is None or record.status != PENDING:
                        continue
                    prescription = record.meeting.test_prescription and record.rx_type == 2
                try:
                    self.trigger(patient_exam_id=exam_id, event=1)
                    if prescription and record.status == APPROVED:
                        self.trigger(patient_exam_id=exam_id, event=2)
                except ValueError as exc:  # no webhook URL: the verdict is still recorded
                    logger.info("qualiphy sandbox: test verdict not delivered: %s", exc)

        threading.Thread(target=run, name="qualiphy-sandbox-verdicts", daemon=True).start()

    # --- helpers --------------------------------------------------------------------------

    def _effective_api_key(self) -> str:
        return self._options["api_key"] or self._api_key or configured_api_key()

    def _counts(self) -> dict:
        with self._lock:
            by_status: dict[str, int] = {}
            for record in self._patient_exams.values():
                by_status[record.status] = by_status.get(record.status, 0) + 1
            return {
                "invites": len(self._meetings),
                "patient_exams": len(self._patient_exams),
                "cancelled": by_status.get(CANCELLED, 0),
                "by_status": by_status,
            }

    def _deliveries_copy(self) -> list[dict]:
        with self._lock:
            return [dict(d) for d in self._deliveries]

    def _described(self) -> dict:
        with self._lock:
            invites = [
                {
                    "meeting_uuid": m.meeting_uuid,
                    "additional_data": m.additional_data,
                    "tele_state": m.tele_state,
                    "test_outcome": m.test_outcome,
                    "patient_exams": [
                        {
                            "patient_exam_id": r.patient_exam_id,
                            "exam_id": r.exam_id,
                            "status": r.status,
                        }
                        for r in self._patient_exams.values()
                        if r.meeting is m
                    ],
                }
                for m in self._meetings
            ]
            return {
                **self._options,
                "api_key": self._effective_api_key(),
                "counts": self._counts(),
                "invites": invites,
                "deliveries": self._deliveries_copy(),
            }


def _bad(body: dict) -> Response:
    return Response.json(body, status=400)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _iso(instant: datetime) -> str:
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _base_url(request: Request) -> str:
    host = request.headers.get("Host")
    return f"http://{host}/qualiphy" if host else "https://app.qualiphy.me"


def _test_outcome(payload: dict) -> tuple[str | None, bool]:
    """The test provider reads the patient's name: "Test Approve", "Test Prescription Reject"..."""
    name = " ".join(str(payload.get(k) or "") for k in ("first_name", "last_name")).lower()
    if "test" not in name:
        return None, False
    prescription = "prescription" in name
    if "approve" in name:
        return APPROVED, prescription
    if "reject" in name:
        return REJECTED, prescription
    if "defer" in name:
        return DEFERRED, prescription
    if "n/a" in name or re.search(r"\bna\b", name):
        return NA, prescription
    if "miss" in name:
        return MISSED, prescription
    return None, prescription
