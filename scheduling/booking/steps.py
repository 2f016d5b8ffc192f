"""The booking flow's step tokens: what each POST carries from the step before, signed
(common.tokens) so a post cannot invent a slot, a hold or a booking."""

from dataclasses import dataclass, field, fields
from datetime import datetime

from scheduling.booking import services
from scheduling.common import tokens
from scheduling.models import BookingPage


@dataclass(frozen=True)
class PageStep(tokens.StepToken):
    """A booking-flow token, made for one booking page."""

    page: str

    def belongs_to(self, page: BookingPage) -> bool:
        return self.page == page.slug


@dataclass(frozen=True)
class TimesToken(PageStep):
    """The times list of one day: which page, type, contact type, provider, day and zone."""

    PURPOSE = "times"
    type: str
    contact: str
    provider: str
    day: str
    tz: str
    tz_detected: bool = True
    hold: str = ""
    prefill: str = ""  # the key of the prefill put aside on entry (booking.prefill), if any


@dataclass(frozen=True)
class DetailsToken(PageStep):
    """A held slot, and the idempotency key minted for booking it."""

    PURPOSE = "details"
    hold: str
    hold_expires: str
    idempotency_key: str
    provider_id: str
    provider: str
    type: str
    contact: str
    start: str
    tz: str
    tz_detected: bool
    prefill: str = ""  # as in TimesToken: only the key, kept for the way back to the times

    @property
    def start_at(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def hold_expires_at(self) -> datetime:
        return datetime.fromisoformat(self.hold_expires)

    def details(self) -> "DetailsToken":
        return DetailsToken(**{f.name: getattr(self, f.name) for f in fields(DetailsToken)})


@dataclass(frozen=True)
class ConfirmToken(DetailsToken):
    """The held slot and the details the patient reviewed: everything booking it needs."""

    PURPOSE = "confirm"
    patient: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.patient, dict) or not self.patient:
            raise tokens.TokenInvalid("no patient details")

    def booking_arguments(self) -> dict:
        return {
            "idempotency_key": self.idempotency_key,
            "hold_token": self.hold,
            "provider_choice": self.provider,
            "provider_id": self.provider_id,
            "appointment_type_id": self.type,
            "contact_type": self.contact,
            "start": self.start_at,
            "patient_timezone": self.tz,
            "patient": services.PatientDetails(**self.patient),
        }
