from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from integrations.healthie.datetimes import (
    format_clock,
    format_datetime,
    format_long_date,
    parse_date,
    parse_datetime,
)

EDT = timezone(timedelta(hours=-4))
TEN_EDT = datetime(2021, 10, 10, 10, 0, tzinfo=EDT)


@pytest.mark.parametrize(
    "text",
    [
        "2021-10-10 10:00:00 -0400",  # Ruby Time#to_s (baseline slots)
        "2021-10-10 14:00:00 UTC",  # Ruby Time#to_s in UTC
        "2021-10-10T10:00:00-04:00",  # ISO 8601 with offset
        "2021-10-10T14:00:00Z",  # ISO 8601, Z
        "2021-10-10T14:00:00.000Z",  # ISO 8601 with fraction
        "2021-10-10T10:00:00.123456-04:00",
        "2021-10-10 10:00:00 EDT -04:00",  # the docs' example
        "2021-10-10 10:00:00 -04:00",
        "2021-10-10T10:00-04:00",  # no seconds
        "2021-10-10 14:00:00 +0000",
        "2021-10-10 14:00:00 GMT",
        "  2021-10-10 10:00:00 -0400  ",
    ],
)
def test_every_healthie_spelling_reads_as_the_same_instant(text):
    parsed = parse_datetime(text)
    assert parsed.tzinfo is not None
    assert parsed.replace(microsecond=0) == TEN_EDT


def test_the_given_offset_is_kept():
    assert parse_datetime("2021-10-10 10:00:00 -0400").utcoffset() == timedelta(hours=-4)
    assert parse_datetime("2021-10-10 10:00:00 EDT -04:00").utcoffset() == timedelta(hours=-4)
    assert parse_datetime("2021-10-10T14:00:00Z").utcoffset() == timedelta(0)
    assert parse_datetime("2021-10-10 05:30:00 +0530").utcoffset() == timedelta(hours=5, minutes=30)


def test_fraction_is_kept_to_microseconds():
    assert parse_datetime("2021-10-10T10:00:00.5-04:00").microsecond == 500000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "2021-10-10",  # a day, not an instant
        "2021-10-10 10:00:00",  # no offset: ambiguous
        "2021-10-10T10:00:00",
        "2021-10-10 10:00:00 EST",  # abbreviation only: ambiguous
        "2021-13-10 10:00:00 -0400",
        "2021-10-32T10:00:00Z",
        "2021-10-10 25:00:00 UTC",
        "2021-10-10 10:00:00 -2500",
        "10/10/2021 10:00 AM",
        "2021-10-10 10:00:00 -0400 extra",
    ],
)
def test_anything_else_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize("value", [None, 1633874400, datetime(2021, 10, 10, tzinfo=UTC)])
def test_non_strings_are_a_value_error(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


def test_parse_date():
    assert parse_date("2026-12-07") == date(2026, 12, 7)
    for bad in ("2026-12-7", "December 7, 2026", "2026-02-30", None):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_format_datetime_is_iso_with_offset_and_round_trips():
    value = datetime(2026, 12, 7, 9, 30, 15, 999, tzinfo=ZoneInfo("America/New_York"))
    text = format_datetime(value)
    assert text == "2026-12-07T09:30:15-05:00"
    assert parse_datetime(text) == value.replace(microsecond=0)


def test_format_datetime_in_a_zone():
    value = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    assert format_datetime(value, "America/New_York") == "2026-07-01T10:00:00-04:00"
    assert format_datetime(value) == "2026-07-01T14:00:00+00:00"


def test_format_datetime_refuses_naive():
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 12, 7, 9, 30))


def test_availability_formats():
    assert format_long_date(date(2022, 8, 16)) == "August 16, 2022"
    assert format_long_date(date(2026, 1, 5)) == "January 5, 2026"
    assert format_clock(time(7, 30)) == "07 30"
    assert format_clock(time(19, 0)) == "19 00"
