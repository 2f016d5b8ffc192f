"""Dates, times, zones and messages in each language: Spanish as US Spanish speakers read it
(12-hour "a. m." / "p. m."), English exactly as before, and the language negotiation itself."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.utils import translation

from scheduling.common import language, messages, timefmt

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("code", "day", "month", "morning", "afternoon", "zone"),
    [
        (
            "en",
            "Monday, December 7, 2026",
            "December 2026",
            "9:30 AM",
            "12:05 PM",
            "Eastern Time (America/New_York)",
        ),
        (
            "es",
            "lunes, 7 de diciembre de 2026",
            "diciembre de 2026",
            "9:30 a. m.",
            "12:05 p. m.",
            "Hora del Este (America/New_York)",
        ),
    ],
)
def test_dates_times_and_zones_follow_the_language(code, day, month, morning, afternoon, zone):
    with translation.override(code):
        assert timefmt.full_date(date(2026, 12, 7)) == day
        assert timefmt.month_name(date(2026, 12, 1)) == month
        assert timefmt.clock(datetime(2026, 12, 7, 9, 30, tzinfo=NEW_YORK)) == morning
        assert timefmt.clock(datetime(2026, 12, 7, 12, 5, tzinfo=NEW_YORK)) == afternoon
        assert timefmt.zone_label("America/New_York") == zone
        assert dict(timefmt.zone_choices("America/New_York"))["America/New_York"] == zone


def test_messages_follow_the_language():
    with translation.override("es"):
        assert str(messages.EXPIRED_TITLE) == "Esta página ha caducado"
        assert messages.contact_label("In Person") == "En persona"
        assert "Espere un minuto" in messages.too_many_message(1)
        assert "Espere 5 minutos" in messages.too_many_message(5)
    with translation.override("en"):
        assert str(messages.EXPIRED_TITLE) == "This page has expired"
        assert "Please wait 5 minutes and try again." in messages.too_many_message(5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("es", "es"),
        ("fr-CA,fr;q=0.9,es;q=0.5", "es"),
        ("en-GB,en;q=0.9,es;q=0.8", "en"),
        ("de-DE", "en"),
        ("", "en"),
        ("*", "en"),
    ],
)
def test_the_browser_language_is_the_first_one_we_speak(header, expected):
    request = RequestFactory().get("/", headers={"Accept-Language": header})
    assert language.from_browser(request) == expected


def test_a_language_cookie_decides_nothing():
    request = RequestFactory().get("/", headers={"Accept-Language": "en"})
    request.COOKIES["django_language"] = "es"
    assert language.from_browser(request) == "en"


def test_carry_adds_only_a_chosen_language_and_keeps_the_rest():
    assert language.carry("/book/x/?type=1") == "/book/x/?type=1"  # nothing chosen
    token = language._chosen.set("es")
    try:
        assert language.carry("/book/x/?type=1#times") == "/book/x/?type=1&lang=es#times"
        assert language.carry("/book/x/?lang=en") == "/book/x/?lang=en"  # names its own
        assert language.carry("") == ""
    finally:
        language._chosen.reset(token)
    assert language.with_language("?day=2026-12-07&lang=es", "en") == "?day=2026-12-07&lang=en"
