"""Slot computation: availabilities, appointments, buffer, interval, length, notice, window, DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.healthie.sandbox import slots
from integrations.healthie.sandbox.formats import iso
from integrations.healthie.sandbox.state import Availability

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
EARLY = datetime(2026, 1, 1, tzinfo=UTC)  # "now" well before every slot below


def weekly(day_of_week, opens, closes, tz="America/New_York", since=date(2026, 1, 1), until=None):
    return Availability(
        id="1",
        user_id="101",
        is_repeating=True,
        day_of_week=day_of_week,
        start_time=opens,
        end_time=closes,
        timezone=tz,
        range_start=since,
        range_end=until,
        created_at=EARLY,
        updated_at=EARLY,
    )


def once(day, opens, closes, tz="America/New_York"):
    return Availability(
        id="2",
        user_id="101",
        is_repeating=False,
        day_of_week=slots.healthie_weekday(day),
        start_time=opens,
        end_time=closes,
        timezone=tz,
        range_start=day,
        range_end=None,
        created_at=EARLY,
        updated_at=EARLY,
    )


def rules(length=30, interval=30, buffer=0, advance=0, window=None, tz=NEW_YORK):
    return slots.Rules(
        length=timedelta(minutes=length),
        interval=timedelta(minutes=interval),
        buffer=timedelta(minutes=buffer),
        min_advance=timedelta(minutes=advance),
        max_days_ahead=window,
        tz=tz,
    )


def day_window(day, tz=NEW_YORK):
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def wall(found, tz=NEW_YORK):
    return [iso(instant, tz)[11:] for instant in found]


def open_on(day, availabilities, busy=(), now=EARLY, tz=NEW_YORK, **rule_options):
    return slots.open_slots(
        availabilities, busy, rules(tz=tz, **rule_options), now, *day_window(day, tz)
    )


MONDAY = date(2026, 12, 7)


def test_weekly_availability_opens_its_weekday_only():
    nine_to_five = [weekly(1, time(9), time(17))]
    found = open_on(MONDAY, nine_to_five)
    assert len(found) == 16
    assert wall(found)[0] == "09:00:00-05:00" and wall(found)[-1] == "16:30:00-05:00"
    assert open_on(MONDAY + timedelta(days=1), nine_to_five) == []


def test_weekly_availability_respects_its_date_range():
    ranged = [weekly(1, time(9), time(10), since=MONDAY, until=MONDAY + timedelta(days=7))]
    assert open_on(MONDAY - timedelta(days=7), ranged) == []
    assert open_on(MONDAY, ranged)
    assert open_on(MONDAY + timedelta(days=7), ranged)  # range_end is inclusive
    assert open_on(MONDAY + timedelta(days=14), ranged) == []


def test_one_time_availability():
    saturday = date(2026, 12, 5)
    found = open_on(saturday, [once(saturday, time(10), time(12))])
    assert wall(found) == ["10:00:00-05:00", "10:30:00-05:00", "11:00:00-05:00", "11:30:00-05:00"]
    assert open_on(saturday + timedelta(days=7), [once(saturday, time(10), time(12))]) == []


def test_the_appointment_must_fit_inside_the_availability():
    found = open_on(MONDAY, [weekly(1, time(9), time(11))], length=60)
    assert wall(found) == ["09:00:00-05:00", "09:30:00-05:00", "10:00:00-05:00"]


def test_the_interval_steps_the_slots():
    found = open_on(MONDAY, [weekly(1, time(9), time(10))], interval=15)
    assert wall(found) == ["09:00:00-05:00", "09:15:00-05:00", "09:30:00-05:00"]


def test_appointments_block_their_time_widened_by_the_buffer():
    busy = [(datetime(2026, 12, 7, 15, tzinfo=UTC), datetime(2026, 12, 7, 15, 30, tzinfo=UTC))]
    found = open_on(MONDAY, [weekly(1, time(9), time(12))], busy, interval=15, buffer=10)
    # busy 10:00-10:30 New York, kept clear from 9:50 to 10:40
    assert wall(found) == [
        "09:00:00-05:00",
        "09:15:00-05:00",
        "10:45:00-05:00",
        "11:00:00-05:00",
        "11:15:00-05:00",
        "11:30:00-05:00",
    ]
    without_buffer = open_on(MONDAY, [weekly(1, time(9), time(12))], busy, interval=15)
    assert "09:30:00-05:00" in wall(without_buffer) and "10:30:00-05:00" in wall(without_buffer)


def test_minimum_advance_time_is_counted_from_now():
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # 08:00 in New York
    found = open_on(MONDAY, [weekly(1, time(9), time(17))], now=now, advance=120)
    assert wall(found)[0] == "10:00:00-05:00"


def test_the_booking_window_counts_provider_days():
    hours = [weekly(d, time(9), time(17)) for d in range(1, 6)]
    now = datetime(2026, 12, 1, 15, tzinfo=UTC)  # Tuesday
    assert open_on(date(2026, 12, 4), hours, now=now, window=3)  # Friday: day 3
    assert open_on(date(2026, 12, 7), hours, now=now, window=3) == []
    assert open_on(date(2026, 12, 7), hours, now=now, window=6)


# --- DST: wall-clock hours in the availability's zone, slots stepped in real time -------------


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (NEW_YORK, ["00:00:00-05:00", "01:00:00-05:00", "03:00:00-04:00"]),
        (LOS_ANGELES, ["00:00:00-08:00", "01:00:00-08:00", "03:00:00-07:00"]),
    ],
)
def test_spring_forward_night_has_one_hour_less(tz, expected):
    day = date(2026, 3, 8)
    night = [once(day, time(0), time(4), tz=str(tz))]
    found = open_on(day, night, tz=tz, length=60, interval=60)
    assert wall(found, tz) == expected


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        (
            NEW_YORK,
            [
                "00:00:00-04:00",
                "01:00:00-04:00",
                "01:00:00-05:00",
                "02:00:00-05:00",
                "03:00:00-05:00",
            ],
        ),
        (
            LOS_ANGELES,
            [
                "00:00:00-07:00",
                "01:00:00-07:00",
                "01:00:00-08:00",
                "02:00:00-08:00",
                "03:00:00-08:00",
            ],
        ),
    ],
)
def test_fall_back_night_has_one_hour_more(tz, expected):
    day = date(2026, 11, 1)
    night = [once(day, time(0), time(4), tz=str(tz))]
    found = open_on(day, night, tz=tz, length=60, interval=60)
    assert wall(found, tz) == expected


@pytest.mark.parametrize(
    ("tz", "before", "after", "utc_before", "utc_after"),
    [
        (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), 14, 13),  # spring forward 2026-03-08
        (LOS_ANGELES, date(2026, 3, 6), date(2026, 3, 9), 17, 16),
        (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), 13, 14),  # fall back 2026-11-01
        (LOS_ANGELES, date(2026, 10, 30), date(2026, 11, 2), 16, 17),
    ],
)
def test_weekly_hours_stay_at_nine_local_across_the_change(
    tz, before, after, utc_before, utc_after
):
    hours = [weekly(d, time(9), time(17), tz=str(tz)) for d in range(1, 6)]
    first_before = open_on(before, hours, tz=tz)[0]
    first_after = open_on(after, hours, tz=tz)[0]
    assert first_before.astimezone(tz).hour == first_after.astimezone(tz).hour == 9
    assert (first_before.hour, first_after.hour) == (utc_before, utc_after)


def test_weekly_sunday_hours_on_the_spring_forward_day():
    sunday = date(2026, 3, 8)
    early = [weekly(0, time(1), time(4))]
    found = open_on(sunday, early, length=60, interval=60)
    assert wall(found) == ["01:00:00-05:00", "03:00:00-04:00"]  # 01:00-04:00 lasts two hours
    assert len(open_on(sunday + timedelta(days=7), early, length=60, interval=60)) == 3


def test_minimum_notice_ending_on_the_transition_day():
    # Saturday 23:00 EST plus 4 hours of notice is Sunday 04:00 EDT (03:00 wall time skipped).
    now = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    night = [once(date(2026, 3, 8), time(0), time(6))]
    found = open_on(date(2026, 3, 8), night, now=now, advance=240, length=60, interval=60)
    assert wall(found) == ["04:00:00-04:00", "05:00:00-04:00"]
