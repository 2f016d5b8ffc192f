"""Every text a patient reads on a problem, error or notice: one place to review the wording.

Titles and messages are grouped by where they show: the booking flow, the manage link (reschedule
and cancel), and the pages both share. Tests assert on some of these strings: change them here,
and only on purpose.
"""

# -- Shared --------------------------------------------------------------------------------------

UNAVAILABLE_TITLE = "We can't load times right now"
UNAVAILABLE_MESSAGE = (
    "The clinic's scheduling system isn't answering. Please try again in a minute."
)

EXPIRED_TITLE = "This page has expired"
UNREADABLE_TITLE = "Something went wrong with this form"

NOT_SURE_TITLE = "We're not sure yet"

CONTACT_LABELS = {
    "Healthie Video Call": "Video call",
    "Phone Call": "Phone call",
    "In Person": "In person",
}


def contact_label(contact_type: str) -> str:
    """ "Video call" for Healthie's "Healthie Video Call" (its own name when we have none)."""
    return CONTACT_LABELS.get(contact_type, contact_type)


CONTACT_NEXT_STEPS = {
    "Healthie Video Call": (
        "This is a video visit. You'll get a secure link to join; open it a few minutes early "
        "on a device with a camera and microphone."
    ),
    "Phone Call": "This is a phone visit. Your provider will call you on the number you gave us.",
    "In Person": "This is an in-person visit. Please arrive 10 minutes early to check in.",
}

# The notices shown above the calendar (booking and reschedule), by their `notice` parameter.
NOTICES = {
    "taken": "Sorry, that time was just taken by someone else. Please choose another time.",
    "expired": "Your hold on that time ran out. Please choose a time again.",
    "unavailable": (
        "We couldn't reach the clinic's scheduling system just now. Please try again in a moment."
    ),
}

# -- Booking flow --------------------------------------------------------------------------------

BOOKING_EXPIRED_MESSAGE = (
    "For your security, booking forms stop working after a while. "
    "Please choose your time again; nothing has been booked."
)
BOOKING_UNREADABLE_MESSAGE = (
    "The form could not be read. Please start again; nothing has been booked."
)

# The choice steps' headings.
CHOOSE = {
    "type": "What would you like to book?",
    "contact": "How would you like to meet?",
    "provider": "Who would you like to see?",
}
FIRST_AVAILABLE = "First available"
FIRST_AVAILABLE_DETAIL = "The earliest time with any of our providers"

NOT_BOOKED_TITLE = "Not booked yet"

FAILED_MESSAGE = (
    "We couldn't reach the clinic's scheduling system, so your appointment is not booked yet. "
    "Your details are saved on this page: please press “Confirm booking” again in a moment."
)

UNKNOWN_MESSAGE = (
    "The clinic's scheduling system didn't answer in time, so we can't tell yet whether your "
    "appointment was booked. Please don't book it again elsewhere. Press “Confirm booking” again "
    "in a moment: we check first and never book twice."
)

# -- Manage link (reschedule, cancel) ------------------------------------------------------------

MANAGE_EXPIRED_MESSAGE = (
    "For your security, these forms stop working after a while. Nothing has changed: "
    "please start again from your appointment."
)
MANAGE_UNREADABLE_MESSAGE = "The form could not be read. Nothing has changed: please start again."

REFUSED_TITLES = {
    "reschedule": "You can't reschedule this appointment online",
    "cancel": "You can't cancel this appointment online",
}
NO_PAGE_RESCHEDULE = "This appointment can't be rescheduled online."

NOT_CHANGED_TITLE = "Not changed"
NOT_CHANGED_YET_TITLE = "Not changed yet"
NOT_CANCELLED_YET_TITLE = "Not cancelled yet"

MANAGE_FAILED_MESSAGE = (
    "We couldn't reach the clinic's scheduling system, so nothing has changed yet. "
    "Your choice is saved on this page: please press the button again in a moment."
)
MANAGE_UNKNOWN_MESSAGE = (
    "The clinic's scheduling system didn't answer in time, so we can't tell yet whether the "
    "change went through. Press the button again in a moment: we check first and never "
    "change it twice."
)
REFUSED_BY_HEALTHIE = (
    "The clinic's scheduling system didn't accept this change. Please contact the clinic."
)

# -- Provisioning --------------------------------------------------------------------------------

QUESTIONNAIRE_UNAVAILABLE_TITLE = "The questionnaire can't be opened right now"
QUESTIONNAIRE_UNAVAILABLE_MESSAGE = "Please try again in a minute."

# -- Rate limits (common.limits) ------------------------------------------------------------------

TOO_MANY_TITLE = "Too many requests"


def too_many_message(minutes: int) -> str:
    wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
    return (
        "We've had a lot of requests from you or your network in a short time. "
        f"Please wait {wait} and try again. Nothing you've booked has changed."
    )


# What an expired or unreadable step token means, per flow: (expired, unreadable).
TOKEN_PROBLEMS = {
    "booking": (BOOKING_EXPIRED_MESSAGE, BOOKING_UNREADABLE_MESSAGE),
    "manage": (MANAGE_EXPIRED_MESSAGE, MANAGE_UNREADABLE_MESSAGE),
}
