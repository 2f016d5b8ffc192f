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
