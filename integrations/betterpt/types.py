"""What the BetterPT client returns and takes: frozen values, no vendor payloads."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# "users can enter five minutes before the start time"; "The session is open for 60 minutes".
OPENS_BEFORE = timedelta(minutes=5)
SESSION_LENGTH = timedelta(minutes=60)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class VideoRoom:
    """A `PartnerVideoRoom`. The links let anyone join: they are left out of repr().

    `status` is opaque (BetterPT publishes no values); duration and attendance stay None until
    BetterPT fills them in, about two hours after `start`.
    """

    uid: str
    start: datetime
    time_zone: str
    display_name: str | None
    patient_link: str = field(repr=False)
    provider_link: str = field(repr=False)
    status: str | None = None
    patient_duration: int | None = None
    provider_duration: int | None = None
    did_patient_attend: bool | None = None
    did_provider_attend: bool | None = None

    @property
    def opens_at(self) -> datetime:
        return self.start - OPENS_BEFORE

    @property
    def ends_at(self) -> datetime:
        return self.start + SESSION_LENGTH

    def can_be_changed(self, now: datetime) -> bool:
        """BetterPT refuses reschedules once the session has started."""
        return now < self.start


@dataclass(frozen=True)
class Outreach:
    """Ask BetterPT to send the patient its own confirmation, reschedule/cancel notices and
    1 h / 15 min reminders (e-mail when `patient_email`, SMS when `patient_phone`, both when both).

    Not part of BetterPT's standard offering: the account must have it enabled.
    """

    clinic_name: str
    patient_email: str | None = field(default=None, repr=False)
    patient_phone: str | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.clinic_name.strip():
            raise ValueError("outreach needs the clinic name")
        if not (self.patient_email or self.patient_phone):
            raise ValueError("outreach needs the patient's e-mail or phone number")
        if self.patient_email and not _EMAIL.match(self.patient_email.strip()):
            raise ValueError("outreach e-mail is not an e-mail address")

    def as_input(self) -> dict[str, str]:
        fields = {"partnerClinicName": self.clinic_name.strip()}
        if self.patient_email:
            fields["partnerPatientEmail"] = self.patient_email.strip()
        if self.patient_phone:
            fields["partnerPatientPhoneNumber"] = self.patient_phone.strip()
        return fields
