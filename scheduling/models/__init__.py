"""The scheduling app's models, one module per concern."""

from scheduling.models.booking import (
    Booking,
    BookingPage,
    BookingStatusChange,
    SlotHold,
    new_hold_token,
    new_manage_token,
    new_reference,
    validate_id_list,
)
from scheduling.models.manage import BookingChange
from scheduling.models.provisioning import (
    AppointmentTypePlan,
    ExamEvent,
    ProviderVideoRoute,
    Provision,
    QualiphyExam,
)

__all__ = [
    "AppointmentTypePlan",
    "ExamEvent",
    "ProviderVideoRoute",
    "Provision",
    "QualiphyExam",
    "Booking",
    "BookingChange",
    "BookingPage",
    "BookingStatusChange",
    "SlotHold",
    "new_hold_token",
    "new_manage_token",
    "new_reference",
    "validate_id_list",
]
