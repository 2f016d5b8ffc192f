"""Calendar entries for a booking: the .ics file and the "Add to Google Calendar" link.

The .ics event keeps one UID for the life of the booking (`<reference>@<domain>`) and carries
the booking's SEQUENCE, raised on every reschedule or cancellation, so a calendar that imports a
fresh file updates the event it already has instead of adding a second one. A cancelled booking
gives STATUS:CANCELLED. The description ends with the patient's manage link.

The text is in the language of the request that asks for it (common.language): a Spanish page's
file or link is in Spanish, and its manage link opens in Spanish wherever the patient opens it.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from scheduling.common import language, timefmt
from scheduling.models import Booking

PRODID = "-//Clinic scheduling//Booking//EN"


def event_uid(booking: Booking, domain: str) -> str:
    return f"{booking.reference}@{domain}"


def event_summary(booking: Booking) -> str:
    return (
        _("%(type)s with %(provider)s")
        % {"type": booking.appointment_type_name, "provider": booking.provider_name}
    ).strip()


def manage_link(manage_url: str) -> str:
    """The manage link as the entry gives it: in the entry's language when that is not the
    default, since a calendar or another device has no Accept-Language of the patient's."""
    code = get_language()
    if not manage_url or not code or code == settings.LANGUAGE_CODE:
        return manage_url
    return language.with_language(manage_url, code)


def event_description(booking: Booking, *, how: str, next_steps: str, manage_url: str) -> str:
    lines = []
    if booking.status == Booking.Status.CANCELLED:
        lines.append(_("This appointment has been cancelled."))
    lines.append(" ".join(str(part) for part in (f"{how}.", next_steps) if part))
    lines.append(_("Reference: %(reference)s") % {"reference": booking.reference})
    if manage_url:
        lines.append(_("Reschedule or cancel: %(url)s") % {"url": manage_link(manage_url)})
    return "\n".join(lines)


def booking_ics(booking: Booking, *, domain: str, description: str, manage_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", event_uid(booking, domain))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", booking.updated_at)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", event_summary(booking))
    event.add("description", description)
    if manage_url:
        event.add("url", manage_link(manage_url))
    cancelled = booking.status == Booking.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()


def google_calendar_url(booking: Booking, *, details: str) -> str:
    query = {
        "action": "TEMPLATE",
        "text": event_summary(booking),
        "dates": f"{timefmt.utc_stamp(booking.start)}/{timefmt.utc_stamp(booking.end)}",
        "details": details,
        "ctz": booking.patient_timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
