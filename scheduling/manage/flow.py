"""The reschedule steps' state, read from query parameters: like the booking flow, every step
is a plain GET URL (tz, month, day, hold, notice), under the booking's manage link."""

from dataclasses import dataclass, field
from datetime import date

from scheduling.common import conf, timefmt
from scheduling.common.messages import NOTICES
from scheduling.common.stepstate import StepState
from scheduling.models import Booking


@dataclass(frozen=True)
class RescheduleState(StepState):
    """The reschedule steps' state, read from query parameters (tz, month, day, hold, notice).

    It quacks like booking.flow.FlowState where the calendar's picker partial reads it."""

    booking: Booking
    tz: str
    month: date | None = None
    day: date | None = None
    hold: str = ""
    notice: str = ""
    prefill: dict[str, str] = field(default_factory=dict)  # the picker's prefill: none here

    @classmethod
    def from_query(cls, booking: Booking, query) -> "RescheduleState":
        tz = query.get("tz", "")
        if not timefmt.is_valid_timezone(tz):
            tz = booking.patient_timezone
        if not timefmt.is_valid_timezone(tz):
            tz = conf.default_timezone()
        notice = query.get("notice", "")
        return cls(
            booking=booking,
            tz=tz,
            month=timefmt.parse_month(query.get("month")),
            day=timefmt.parse_day(query.get("day")),
            hold=query.get("hold", "")[:64],
            notice=notice if notice in NOTICES else "",
        )

    # -- writing (common.stepstate) -------------------------------------------------------------

    def _values(self) -> dict[str, str]:
        return {"tz": self.tz, **self._dates(), "hold": self.hold}

    def _url_kwargs(self) -> dict[str, str]:
        return {"token": self.booking.manage_token}
