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
from scheduling.models.sync import HealthieEvent, HealthieWebhook, SyncStatus

__all__ = [
    "AppointmentTypePlan",
    "ExamEvent",
    "ProviderVideoRoute",
    "Provision",
    "QualiphyExam",
    "Booking",
    "BookingChange",
    "BookingPage",
    "HealthieEvent",
    "HealthieWebhook",
    "SyncStatus",
    "BookingStatusChange",
    "SlotHold",
    "new_hold_token",
    "new_manage_token",
    "new_reference",
    "validate_id_list",
]
