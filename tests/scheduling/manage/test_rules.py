"""The rules themselves (pure functions)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.manage import rules


def setting(**overrides):
    from integrations.healthie.types import AppointmentSetting

    values = {
        "id": "601",
        "allow_clients_to_reschedule_appt": True,
        "allow_clients_to_cancel_appt": True,
        "minimum_advance_reschedule_time": 1440,
        "minimum_advance_cancel_time": 720,
        "minimum_advance_schedule_time": 120,
        "patient_reschedule_count_cap": 2,
        "cant_reschedule_message": "Call us to reschedule.",
        "cant_cancel_message": "",
        "buffer": None,
        "base_calendar_interval": None,
        "booking_interval_restriction": None,
    }
    return AppointmentSetting(**{**values, **overrides})


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("overrides", "start", "count", "code"),
    [
        ({}, NOW + timedelta(days=2), 0, "ok"),
        ({}, NOW + timedelta(hours=23), 0, "too_late_reschedule"),
        ({}, NOW + timedelta(days=2), 2, "cap_reached"),
        ({"patient_reschedule_count_cap": None}, NOW + timedelta(days=2), 9, "ok"),
        ({"allow_clients_to_reschedule_appt": False}, NOW + timedelta(days=2), 0,
         "not_allowed_reschedule"),
        ({}, NOW - timedelta(minutes=1), 0, "past"),
    ],
)  # fmt: skip
def test_reschedule_rules(overrides, start, count, code):
    decision = rules.reschedule_decision(
        setting=setting(**overrides), start=start, now=NOW, is_cancelled=False,
        reschedule_count=count,
    )  # fmt: skip
    assert decision.code == code
    assert decision.allowed == (code == "ok")
    if code != "ok":
        assert decision.message == "Call us to reschedule."


def test_cancel_rules_fall_back_when_healthie_has_no_message():
    refused = rules.cancel_decision(
        setting=setting(allow_clients_to_cancel_appt=False),
        start=NOW + timedelta(days=3), now=NOW, is_cancelled=False,
    )  # fmt: skip
    assert (refused.code, refused.message) == ("not_allowed_cancel", rules.FALLBACK_CANCEL)
    assert (
        rules.cancel_decision(
            setting=setting(), start=NOW + timedelta(hours=11), now=NOW, is_cancelled=False
        ).code
        == "too_late_cancel"
    )
    assert (
        rules.cancel_decision(
            setting=setting(), start=NOW + timedelta(days=3), now=NOW, is_cancelled=True
        ).code
        == "cancelled"
    )
    assert (
        rules.cancel_decision(
            setting=None, start=NOW + timedelta(days=3), now=NOW, is_cancelled=False
        ).code
        == "no_rules"
    )
