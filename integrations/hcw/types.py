"""What the HCW@Home client returns: small frozen values, never raw payloads.

An invite's `inviteToken` is a secret (whoever holds it joins the consultation as the patient), and
`patientURL` contains it: both, and the patient's details, stay out of `repr`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SENT = "SENT"
PENDING = "PENDING"
ACCEPTED = "ACCEPTED"  # the patient opened the link: the invite can no longer be edited


@dataclass(frozen=True)
class Invite:
    id: str
    status: str
    scheduled_for: datetime | None  # aware, UTC; None when the invite has no time
    patient_tz: str | None = None
    language: str | None = None
    gender: str | None = None
    doctor_id: str | None = None
    queue_id: str | None = None
    invited_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reference: str | None = None  # metadata["reference"], set by create_invite(reference=...)
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    email_address: str | None = field(default=None, repr=False)
    phone_number: str | None = field(default=None, repr=False)
    invite_token: str | None = field(default=None, repr=False)
    patient_url: str | None = field(default=None, repr=False)  # contains the invite token
    doctor_url: str | None = field(default=None, repr=False)
    metadata: dict[str, Any] | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def is_accepted(self) -> bool:
        return self.status == ACCEPTED


# What became of the consultation an invite opens (`consultation_state`).
NOT_STARTED = "not started"  # the invite is there, the patient has not come in
PATIENT_WAITING = "patient waiting"  # the patient is in the waiting room, no doctor yet
IN_PROGRESS = "in progress"  # a doctor accepted the consultation
CLOSED = "closed"  # closed by the doctor (HCW then deletes the patient's invite)
INVITE_DELETED = "invite deleted"  # no invite and no consultation: cancelled or expired unused
FINAL_STATES = frozenset({CLOSED, INVITE_DELETED})


@dataclass(frozen=True)
class Consultation:
    """What `GET /api/v1/invite/:id/consultation` tells about an invite's consultation: the
    backend's "anonymous details" (no patient data), not its `status` field, which it leaves
    out (older backends that send it fill `status`). While the consultation is open the backend
    reports `closedAt` as the time of the request, so closure is told by the invite being gone
    (`consultation_state`), not by `closed_at`."""

    id: str
    created_at: datetime | None = None
    accepted_at: datetime | None = None  # when a doctor accepted it; None while pending
    closed_at: datetime | None = None
    first_call_at: datetime | None = None
    successful_calls: int | None = None
    average_call_minutes: float | None = None
    status: str | None = None  # "pending" | "active" | "closed", when the backend sends it


def consultation_state(invite: Invite | None, consultation: Consultation | None) -> str:
    """One of the states above, from the invite (None: HCW has none by that id) and its
    consultation (None: HCW has none). The backend creates the consultation when the patient
    comes in from the link, sets `acceptedAt` when a doctor accepts it, and deletes the
    patient's invite when it closes it."""
    if consultation is None:
        return NOT_STARTED if invite is not None else INVITE_DELETED
    if consultation.status == "closed" or invite is None:
        return CLOSED
    if consultation.status == "active" or consultation.accepted_at is not None:
        return IN_PROGRESS
    return PATIENT_WAITING
