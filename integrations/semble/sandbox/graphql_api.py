"""GraphQL for the Semble sandbox: the subset SDL executed with graphql-core over a patient store.

Semble runs Apollo Server over MongoDB, and the sandbox answers the same way: a document that
does not parse or validate is HTTP 400 (GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED), bad
variables HTTP 400 BAD_USER_INPUT; an id that is not a 24-hex ObjectId throws Mongoose's
"Cast to ObjectId failed ..." (HTTP 200, code INTERNAL_SERVER_ERROR, `data.<field>: null`);
refusals of a valid request come back in the payload's `error` string next to `data: null`.
"""

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from integrations.sandbox.graphql import ApolloAPI, Problem, nullable

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
TOKEN_LIFETIME = timedelta(weeks=1)  # "Tokens are valid for one week"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Reference types marked STUB: their real fields are unknown, so the sandbox takes no value.
STUB_INPUT_FIELDS = {
    "patientData": ("placeOfBirth", "customAttributes"),
    "options": ("createdAt", "updatedAt"),
}

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass
class PatientRecord:
    id: str
    first: str
    last: str
    email: str | None
    dob: date | None = None
    phone_number: str | None = None
    phone_type: str | None = None
    deleted: bool = False
    created_at: datetime | None = None

    def matches(self, search: str) -> bool:
        """Semble's fuzzy search: a case-insensitive substring of a name or the e-mail."""
        needle = search.casefold()
        haystacks = (self.first, self.last, f"{self.first} {self.last}", self.email or "")
        return any(needle in value.casefold() for value in haystacks)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "firstName": self.first,
            "lastName": self.last,
            "email": self.email,
            "deleted": self.deleted,
        }


@dataclass
class TokenRecord:
    token: str
    patient_id: str
    created_at: datetime
    expires_at: datetime


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    patients: dict[str, PatientRecord] = field(default_factory=dict)
    tokens: dict[str, TokenRecord] = field(default_factory=dict)
    next_number: int = 1

    def clear(self) -> None:
        self.patients.clear()
        self.tokens.clear()
        self.next_number = 1

    def new_id(self) -> str:
        """Deterministic ObjectIds: a fixed timestamp and machine part, then a counter."""
        number, self.next_number = self.next_number, self.next_number + 1
        return f"6553f1a05e3b1e0c9d2a{number:04x}"

    def add_patient(self, **fields: Any) -> PatientRecord:
        """A new patient (PatientRecord's fields but the id), stored under the next id."""
        record = PatientRecord(id=self.new_id(), **fields)
        self.patients[record.id] = record
        return record

    def valid_token(self, token: str, now: datetime) -> TokenRecord | None:
        record = self.tokens.get(token)
        if record is None or now >= record.expires_at:
            return None
        patient = self.patients.get(record.patient_id)
        return record if patient is not None and not patient.deleted else None


@dataclass
class Context:
    store: Store
    now: datetime


def object_id(value: str, model: str = "Patient") -> str:
    if not isinstance(value, str) or not _OBJECT_ID.match(value):
        raise Problem(
            f'Cast to ObjectId failed for value "{value}" (type string) at path "_id" '
            f'for model "{model}"'
        )
    return value.lower()


@nullable
def present_patient(record: PatientRecord) -> dict:
    return {
        "id": record.id,
        "firstName": record.first,
        "lastName": record.last,
        "email": record.email,
    }


# --- resolvers ----------------------------------------------------------------------------


def _refuse_stubs(argument: str, value: dict | None) -> None:
    for name in STUB_INPUT_FIELDS.get(argument, ()):
        if value and value.get(name) is not None:
            raise Problem(
                f"{argument}.{name}: this sandbox does not model it (a STUB in the reference)",
                "BAD_USER_INPUT",
            )


def resolve_patients(ctx: Context, search=None, pagination=None, options=None) -> dict:
    _refuse_stubs("options", options)
    include_deleted = bool((options or {}).get("includeDeleted"))
    page = max(1, (pagination or {}).get("page") or 1)
    size = (pagination or {}).get("pageSize") or DEFAULT_PAGE_SIZE
    size = max(1, min(size, MAX_PAGE_SIZE))
    found = [
        p
        for p in sorted(ctx.store.patients.values(), key=lambda p: p.id)
        if (include_deleted or not p.deleted) and (not search or p.matches(search.strip()))
    ]
    start = (page - 1) * size
    return {
        "data": [present_patient(p) for p in found[start : start + size]],
        "pageInfo": {"page": page, "pageSize": size, "hasMore": start + size < len(found)},
    }


def resolve_create_patient(ctx: Context, patientData=None, insData=None, **deprecated) -> dict:
    """The deprecated top-level arguments still work; patientData wins where both are given."""
    _refuse_stubs("patientData", patientData)
    if insData is not None:
        raise Problem(
            "insData: this sandbox does not model it (a STUB in the reference)", "BAD_USER_INPUT"
        )
    values = {**{k: v for k, v in deprecated.items() if v is not None}, **(patientData or {})}
    first = (values.get("first") or "").strip()
    last = (values.get("last") or "").strip()
    email = (values.get("email") or "").strip() or None
    phone = (values.get("phoneNumber") or "").strip() or None
    dob = values.get("dob")
    error = None
    if not first:
        error = "Patient first name is required"
    elif not last:
        error = "Patient last name is required"
    elif email and not _EMAIL.match(email):
        error = "Invalid email address"
    elif dob is not None and dob > ctx.now.date():
        error = "Date of birth cannot be in the future"
    elif phone and not _PHONE.match(phone):
        error = "Invalid phone number"
    if error:
        return {"data": None, "error": error}
    record = ctx.store.add_patient(
        first=first,
        last=last,
        email=email,
        dob=dob,
        phone_number=phone,
        phone_type=values.get("phoneType"),
        created_at=ctx.now,
    )
    return {"data": present_patient(record), "error": None}


def resolve_create_integration_token(ctx: Context, patient: str) -> dict:
    patient_id = object_id(patient)
    record = ctx.store.patients.get(patient_id)
    if record is None or record.deleted:
        return {"data": None, "error": "Patient not found"}
    token = TokenRecord(
        token=secrets.token_urlsafe(32),
        patient_id=patient_id,
        created_at=ctx.now,
        expires_at=ctx.now + TOKEN_LIFETIME,
    )
    ctx.store.tokens[token.token] = token
    return {"data": {"token": token.token}, "error": None}


def resolve_integration_token(ctx: Context, patient: str) -> dict | None:
    """The patient's newest token that is still valid; null when there is none."""
    patient_id = object_id(patient)
    valid = [
        t
        for t in ctx.store.tokens.values()
        if t.patient_id == patient_id and ctx.store.valid_token(t.token, ctx.now)
    ]
    if not valid:
        return None
    return {"token": max(valid, key=lambda t: t.created_at).token}


ROOT_RESOLVERS = {
    "Query": {"patients": resolve_patients, "integrationToken": resolve_integration_token},
    "Mutation": {
        "createPatient": resolve_create_patient,
        "createIntegrationToken": resolve_create_integration_token,
    },
}


def parse_date(value: Any) -> date:
    match = _DATE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"Date cannot represent {value!r}: expected YYYY-MM-DD")
    return date.fromisoformat(match[1])


def _serialize_date(value: Any) -> str:
    day = value if isinstance(value, date) else parse_date(value)
    return f"{day.isoformat()}T00:00:00.000Z"


API = ApolloAPI(SCHEMA_PATH, ROOT_RESOLVERS, scalar=("Date", parse_date, _serialize_date))
execute = API.execute
