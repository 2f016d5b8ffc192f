"""Every text a patient reads on a problem, error or notice: one place to review the wording.

Titles and messages are grouped by where they show: the booking flow, the manage link (reschedule
and cancel), and the pages both share. Tests assert on some of these strings: change them here,
and only on purpose.

Every text is marked for translation (locale/es): the constants are lazy, so each is read in the
language of the request that shows it (common.language).
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# -- Shared --------------------------------------------------------------------------------------

UNAVAILABLE_TITLE = _("We can't load times right now")
UNAVAILABLE_MESSAGE = _(
    "The clinic's scheduling system isn't answering. Please try again in a minute."
)

EXPIRED_TITLE = _("This page has expired")
UNREADABLE_TITLE = _("Something went wrong with this form")

NOT_SURE_TITLE = _("We're not sure yet")

CONTACT_LABELS = {
    "Healthie Video Call": _("Video call"),
    "Phone Call": _("Phone call"),
    "In Person": _("In person"),
}


def contact_label(contact_type: str) -> str:
    """ "Video call" for Healthie's "Healthie Video Call" (its own name when we have none)."""
    return CONTACT_LABELS.get(contact_type, contact_type)


CONTACT_NEXT_STEPS = {
    # No video room in the type's plan: the visit is the clinic's own video call.
    "Healthie Video Call": _(
        "This is a video visit in the clinic's patient portal: the clinic will send you how to "
        "join. Open it a few minutes early on a device with a camera and microphone."
    ),
    "Phone Call": _(
        "This is a phone visit. Your provider will call you on the number you gave us."
    ),
    "In Person": _("This is an in-person visit. Please arrive 10 minutes early to check in."),
}

# A video visit whose type's plan makes a video room (provisioning): its link comes to the
# confirmation page (and the calendar file says so too).
VIDEO_ROOM_NEXT_STEPS = _(
    "This is a video visit. Your secure link to join appears on your confirmation page as soon "
    "as it's ready; open it a few minutes early on a device with a camera and microphone."
)

# The notices shown above the calendar (booking and reschedule), by their `notice` parameter.
NOTICES = {
    "taken": _("Sorry, that time was just taken by someone else. Please choose another time."),
    "expired": _("Your hold on that time ran out. Please choose a time again."),
    "unavailable": _(
        "We couldn't reach the clinic's scheduling system just now. Please try again in a moment."
    ),
}

# -- Booking flow --------------------------------------------------------------------------------

BOOKING_EXPIRED_MESSAGE = _(
    "For your security, booking forms stop working after a while. "
    "Please choose your time again; nothing has been booked."
)
BOOKING_UNREADABLE_MESSAGE = _(
    "The form could not be read. Please start again; nothing has been booked."
)

# The choice steps' headings.
CHOOSE = {
    "type": _("What would you like to book?"),
    "contact": _("How would you like to meet?"),
    "provider": _("Who would you like to see?"),
}
FIRST_AVAILABLE = _("First available")
FIRST_AVAILABLE_DETAIL = _("The earliest time with any of our providers")

NOT_BOOKED_TITLE = _("Not booked yet")

FAILED_MESSAGE = _(
    "We couldn't reach the clinic's scheduling system, so your appointment is not booked yet. "
    "Your details are saved on this page: please press “Confirm booking” again in a moment."
)

UNKNOWN_MESSAGE = _(
    "The clinic's scheduling system didn't answer in time, so we can't tell yet whether your "
    "appointment was booked. Please don't book it again elsewhere. Press “Confirm booking” again "
    "in a moment: we check first and never book twice."
)

# -- Manage link (reschedule, cancel) ------------------------------------------------------------

MANAGE_EXPIRED_MESSAGE = _(
    "For your security, these forms stop working after a while. Nothing has changed: "
    "please start again from your appointment."
)
MANAGE_UNREADABLE_MESSAGE = _(
    "The form could not be read. Nothing has changed: please start again."
)

REFUSED_TITLES = {
    "reschedule": _("You can't reschedule this appointment online"),
    "cancel": _("You can't cancel this appointment online"),
}
NO_PAGE_RESCHEDULE = _("This appointment can't be rescheduled online.")

NOT_CHANGED_TITLE = _("Not changed")
NOT_CHANGED_YET_TITLE = _("Not changed yet")
NOT_CANCELLED_YET_TITLE = _("Not cancelled yet")

MANAGE_FAILED_MESSAGE = _(
    "We couldn't reach the clinic's scheduling system, so nothing has changed yet. "
    "Your choice is saved on this page: please press the button again in a moment."
)
MANAGE_UNKNOWN_MESSAGE = _(
    "The clinic's scheduling system didn't answer in time, so we can't tell yet whether the "
    "change went through. Press the button again in a moment: we check first and never "
    "change it twice."
)
REFUSED_BY_HEALTHIE = _(
    "The clinic's scheduling system didn't accept this change. Please contact the clinic."
)

# -- Provisioning --------------------------------------------------------------------------------

QUESTIONNAIRE_UNAVAILABLE_TITLE = _("The questionnaire can't be opened right now")
QUESTIONNAIRE_UNAVAILABLE_MESSAGE = _("Please try again in a minute.")

# -- Rate limits (common.limits) ------------------------------------------------------------------

TOO_MANY_TITLE = _("Too many requests")


def too_many_message(minutes: int) -> str:
    return ngettext(
        "We've had a lot of requests from you or your network in a short time. "
        "Please wait a minute and try again. Nothing you've booked has changed.",
        "We've had a lot of requests from you or your network in a short time. "
        "Please wait %(minutes)d minutes and try again. Nothing you've booked has changed.",
        max(minutes, 1),
    ) % {"minutes": max(minutes, 1)}


# What an expired or unreadable step token means, per flow: (expired, unreadable).
TOKEN_PROBLEMS = {
    "booking": (BOOKING_EXPIRED_MESSAGE, BOOKING_UNREADABLE_MESSAGE),
    "manage": (MANAGE_EXPIRED_MESSAGE, MANAGE_UNREADABLE_MESSAGE),
}
