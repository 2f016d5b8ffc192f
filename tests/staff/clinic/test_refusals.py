"""What staff read when Healthie refuses an availability change: its own field messages (the
sandbox has no refusal a valid form can reach, so the refusal is built here as the client
raises it from a mutation's `messages`)."""

from integrations.errors import FieldMessage, RejectedError
from scheduling.staff.clinic.services import _refusal


def test_healthie_s_messages_are_shown_to_staff():
    refusal = _refusal(
        RejectedError(
            "healthie",
            "createAvailability",
            "refused",
            messages=[
                FieldMessage("appointment_type_id", "Appointment type not found"),
                FieldMessage(None, "Overlaps another availability"),
            ],
        )
    )
    assert str(refusal) == (
        "Healthie refused the change: Appointment type not found; Overlaps another availability"
    )


def test_a_refusal_without_messages_says_what_healthie_said():
    refusal = _refusal(RejectedError("healthie", "deleteAvailability", "Availability not found"))
    assert str(refusal) == "Healthie refused the change: Availability not found"
