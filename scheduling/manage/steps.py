"""The manage link's step tokens: what each POST carries from the step before, signed
(common.tokens) and bound to one booking."""

from dataclasses import dataclass
from datetime import datetime

from scheduling.common import tokens
from scheduling.models import Booking


@dataclass(frozen=True)
class BookingStep(tokens.StepToken):
    """A manage-link token, made for one booking (by its reference)."""

    booking: str

    def belongs_to(self, booking: Booking) -> bool:
        return self.booking == booking.reference


@dataclass(frozen=True)
class ManageTimesToken(BookingStep):
    """The new times of one day for this booking."""

    PURPOSE = "manage-times"
    day: str
    tz: str
    hold: str = ""


@dataclass(frozen=True)
class RescheduleToken(BookingStep):
    """The held new time, and the idempotency key minted for moving the booking to it."""

    PURPOSE = "manage-reschedule"
    hold: str
    hold_expires: str
    idempotency_key: str
    start: str
    tz: str

    @property
    def start_at(self) -> datetime:
        return datetime.fromisoformat(self.start)


@dataclass(frozen=True)
class CancelToken(BookingStep):
    """The idempotency key minted for cancelling this booking."""

    PURPOSE = "manage-cancel"
    idempotency_key: str
