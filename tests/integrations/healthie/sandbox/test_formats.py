from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from integrations.healthie.sandbox import formats

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("August 16, 2022", date(2022, 8, 16)),
        ("December 7, 2026", date(2026, 12, 7)),
        ("Dec 7, 2026", date(2026, 12, 7)),
        ("2026-12-07", date(2026, 12, 7)),
    ],
)
def test_long_dates(text, expected):
    assert formats.parse_long_date(text) == expected


@pytest.mark.parametrize("text", ["", "16/08/2022", "August 32, 2022", "Aug 16 2022"])
def test_bad_long_dates(text):
    with pytest.raises(formats.FormatError):
        formats.parse_long_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("07 30", time(7, 30)), ("19 00", time(19, 0)), ("7 05", time(7, 5)), ("09:15", time(9, 15))],
)
def test_hh_mm(text, expected):
    assert formats.parse_hh_mm(text) == expected


@pytest.mark.parametrize("text", ["", "0730", "24 00", "07 60", "7.30", None])
def test_bad_hh_mm(text):
    with pytest.raises(formats.FormatError):
        formats.parse_hh_mm(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07T09:30:00-05:00",
        "2026-12-07T14:30:00Z",
        "2026-12-07T09:30:00",  # no offset: wall-clock time in the given zone
        "2026-12-07 09:30:00",
        "2026-12-07 09:30:00 -0500",
        "2026-12-07 14:30:00 UTC",
        "2026-12-07 09:30:00 EST -05:00",
    ],
)
def test_every_datetime_spelling_is_the_same_instant(text):
    assert formats.parse_datetime(text, NEW_YORK) == datetime(2026, 12, 7, 14, 30, tzinfo=UTC)


def test_a_bare_date_is_midnight_in_the_zone():
    assert formats.parse_datetime("2026-07-01", NEW_YORK) == datetime(2026, 7, 1, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("2026-12-07", True),
        ("2026-12-07T09:30:00-05:00", True),
        ("2026-12-07T09:30Z", True),
        ("2026-12-07 09:30:00", False),  # graphql-ruby's scalar wants the T
        ("2026-13-07", False),
        ("tomorrow", False),
        (20261207, False),
    ],
)
def test_iso8601_datetime_scalar(text, valid):
    assert formats.is_iso8601_datetime(text) is valid


def test_parse_day_reads_a_datetime_in_the_zone():
    assert formats.parse_day("2026-12-07", NEW_YORK) == date(2026, 12, 7)
    assert formats.parse_day("2026-12-08T03:00:00Z", NEW_YORK) == date(2026, 12, 7)


def test_months():
    today = date(2026, 11, 21)
    assert formats.parse_month(None, today) == date(2026, 11, 1)
    assert formats.parse_month("2027-02-14", today) == date(2027, 2, 1)
    assert formats.parse_month("2027-02", today) == date(2027, 2, 1)
    assert formats.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    assert formats.month_end(date(2026, 12, 1)) == date(2026, 12, 31)


def test_outputs():
    instant = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert formats.iso(instant, NEW_YORK) == "2026-12-07T09:30:00-05:00"
    assert formats.ruby_time(instant, NEW_YORK) == "2026-12-07 09:30:00 -0500"
    assert formats.duration_string(480) == "8h"
    assert formats.duration_string(210) == "3h 30m"
    assert formats.duration_string(45) == "45m"


def test_unknown_zone():
    with pytest.raises(formats.FormatError):
        formats.zone("Mars/Olympus_Mons")
    assert formats.zone(None) == NEW_YORK
