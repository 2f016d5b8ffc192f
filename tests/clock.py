"""The suite's pinned instant, shared by the app, the sandbox and the Celery workers.

Every test starts at one instant, `TEST_NOW` (an ISO 8601 instant with its offset, e.g.
`TEST_NOW=2027-03-14T06:30:00Z make test`) or DEFAULT_NOW, and the clock runs on from there as
a real one would (a booking flow takes a few seconds; leases and retries must still expire).
`tests/conftest.py` pins this process (time-machine) and the sandbox (`/_sandbox/clock`);
a Celery worker started by a test runs through `python -m tests.clock celery ...`, which pins
the worker's process at the same offset from the real clock.
"""

import os
import runpy
import sys
import time
from datetime import UTC, datetime, timedelta

import time_machine
from time_machine import escape_hatch

# A Wednesday, 10:00 in New York: mornings and afternoons still open that day.
DEFAULT_NOW = "2026-12-02T15:00:00+00:00"
OFFSET_ENV = "TEST_CLOCK_OFFSET_SECONDS"


def pinned_instant() -> datetime:
    value = os.environ.get("TEST_NOW") or DEFAULT_NOW
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"TEST_NOW must carry its offset (e.g. 2027-01-31T23:59:00Z): {value}")
    return instant.astimezone(UTC)


def real_now() -> datetime:
    """The machine's clock, whatever the test has pinned."""
    real = escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()
    return datetime.fromtimestamp(real, UTC)


def offset_from_real_clock() -> timedelta:
    """How far the pinned clock of this process is from the real one (for child processes)."""
    return datetime.now(UTC) - real_now()


def main(argv: list[str]) -> None:
    """`python -m tests.clock MODULE ARGS...`: run MODULE (`celery ...`) with this process's
    clock moved by $TEST_CLOCK_OFFSET_SECONDS."""
    offset = timedelta(seconds=float(os.environ[OFFSET_ENV]))
    time_machine.travel(real_now() + offset, tick=True).start()
    module, *arguments = argv
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
