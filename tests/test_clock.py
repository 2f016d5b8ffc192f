"""The suite's pinned clock holds where it must: this process, the sandbox, and moving both."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from tests.clock import OFFSET_ENV, pinned_instant, real_now
from tests.conftest import ROOT

CLOSE = timedelta(seconds=5)  # the clocks run on from the pin while a test runs


def sandbox_now(sandbox) -> datetime:
    return datetime.fromisoformat(sandbox.http.get("/_sandbox/clock").json()["now"])


def test_the_app_starts_at_the_pinned_instant():
    assert abs(timezone.now() - pinned_instant()) < CLOSE


def test_the_sandbox_runs_on_the_same_clock(sandbox):
    assert abs(sandbox_now(sandbox) - timezone.now()) < CLOSE


def test_moving_the_clock_moves_the_app_and_the_sandbox(sandbox, pinned_clock):
    spring_forward = datetime(2027, 3, 14, 6, 59, tzinfo=UTC)
    pinned_clock.move_to(spring_forward)
    assert abs(timezone.now() - spring_forward) < CLOSE
    assert abs(sandbox_now(sandbox) - spring_forward) < CLOSE


def test_a_child_process_runs_at_the_same_offset():
    # How Celery workers are started (tests/conftest.py): `python -m tests.clock MODULE ...`.
    # The stdlib's `python -m calendar` prints the current year as that process sees it.
    offset = datetime(2031, 6, 1, tzinfo=UTC) - real_now()
    env = {**os.environ, OFFSET_ENV: str(offset.total_seconds())}
    printed = subprocess.run(
        [sys.executable, "-m", "tests.clock", "calendar"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.split()[0] == "2031"
