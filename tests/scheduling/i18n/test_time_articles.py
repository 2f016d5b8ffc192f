"""Spanish names an hour with its article, singular at one o'clock: "a la 1:05 p. m.", "a las
2:05 p. m.", "hasta la 1:00", "de la 1:00 a las 1:30". English reads the same time bare. Checked
on timefmt, on rendered patient templates, and on the manage page's change history."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from scheduling.booking import views as booking_views
from scheduling.common import timefmt
from scheduling.manage import views as manage_views
from scheduling.models import Booking, BookingChange

CHICAGO = ZoneInfo("America/Chicago")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("code", "when", "expected"),
    [
        ("es", at(13, 5), "lunes, 7 de diciembre de 2026 a la 1:05 p. m."),
        ("es", at(14, 5), "lunes, 7 de diciembre de 2026 a las 2:05 p. m."),
        ("es", at(1, 0), "lunes, 7 de diciembre de 2026 a la 1:00 a. m."),
        ("es", at(12, 30), "lunes, 7 de diciembre de 2026 a las 12:30 p. m."),
        ("es", at(0, 15), "lunes, 7 de diciembre de 2026 a las 12:15 a. m."),
        ("en", at(13, 5), "Monday, December 7, 2026 at 1:05 PM"),
        ("en", at(14, 5), "Monday, December 7, 2026 at 2:05 PM"),
    ],
)
def test_a_date_at_a_time_takes_the_hours_article(code, when, expected):
    with translation.override(code):
        phrase = translation.gettext("%(date)s at %(time)s") % {
            "date": timefmt.full_date(when.date()),
            "time": timefmt.at_clock(when),
        }
    assert phrase == expected


@pytest.mark.parametrize(("code", "bare"), [("es", "1:05 p. m."), ("en", "1:05 PM")])
def test_a_standalone_time_has_no_article(code, bare):
    with translation.override(code):
        assert timefmt.clock(at(13, 5)) == bare  # the time buttons


@pytest.mark.parametrize(
    ("code", "start", "when", "until"),
    [
        ("es", at(13, 5), "a la 1:05 p. m.", "hasta la 1:15 p. m."),
        ("es", at(14, 5), "a las 2:05 p. m.", "hasta las 2:15 p. m."),
        ("en", at(13, 5), "at 1:05 PM", "until 1:15 PM."),
        ("en", at(14, 5), "at 2:05 PM", "until 2:15 PM."),
    ],
)
def test_the_held_appointment_reads_right(code, start, when, until):
    with translation.override(code):
        summary = booking_views._hold_summary(start, "America/Chicago", None, None, "In Person")
        html = render_to_string(
            "scheduling/_held.html",
            {
                "summary": summary,
                "hold_until": timefmt.at_clock(start + timedelta(minutes=10)),
                "change_time_url": "/book/x/times/",
            },
            request=RequestFactory().get("/"),
        )
    assert when in html and until in html
    assert " a las 1:" not in html and " a la 2:" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "es",
            "Cambiada del lunes, 7 de diciembre de 2026 a la 1:05 p. m. al lunes, 7 de "
            "diciembre de 2026 a las 2:05 p. m.",
        ),
        (
            "en",
            "Moved from Monday, December 7, 2026 at 1:05 PM to Monday, December 7, 2026 at 2:05 PM",
        ),
    ],
)
def test_the_change_history_names_both_hours_with_their_articles(code, expected):
    booking = Booking.objects.create(
        idempotency_key="key-articles",
        status=Booking.Status.CONFIRMED,
        provider_id="101",
        appointment_type_id="302",
        contact_type="In Person",
        start=at(14, 5),
        end=at(14, 35),
        patient_timezone="America/Chicago",
        first_name="Ana",
        last_name="Ruiz",
        email="ana.ruiz@example.com",
    )
    BookingChange.objects.create(
        booking=booking,
        kind=BookingChange.Kind.RESCHEDULE,
        by=BookingChange.By.PATIENT,
        state=BookingChange.State.DONE,
        old_start=at(13, 5).astimezone(UTC),
        new_start=at(14, 5).astimezone(UTC),
        done_at=at(13, 0).astimezone(UTC),
    )
    with translation.override(code):
        [row] = manage_views._history(booking)
        text, when = str(row["text"]), str(row["at"])
    assert text == expected
    assert when.endswith("a la 1:00 p. m." if code == "es" else "at 1:00 PM")
