"""The scheduling app's models, one module per concern."""

from scheduling.models.booking import (
    Booking,
    BookingPage,
    BookingStatusChange,
    SlotHold,
    new_hold_token,
    new_reference,
    validate_id_list,
)

__all__ = [
    "Booking",
    "BookingPage",
    "BookingStatusChange",
    "SlotHold",
    "new_hold_token",
    "new_reference",
    "validate_id_list",
]
