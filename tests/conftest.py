import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import time_machine
from django.conf import settings
from django.db import connection

from tests.clock import OFFSET_ENV, offset_from_real_clock, pinned_instant

ROOT = Path(__file__).resolve().parent.parent


class SandboxControl:
    """Drives the sandbox server's `/_sandbox/*` controls from tests."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def reset(self) -> None:
        self.http.post("/_sandbox/reset").raise_for_status()

    def set_clock(self, now: str | None, *, tick: bool = False) -> None:
        """Freeze the sandbox at `now` (None: the real clock), or set it there and let it run."""
        self.http.post("/_sandbox/clock", json={"now": now, "tick": tick}).raise_for_status()

    def fault(self, vendor: str, kind: str, **options) -> None:
        self.http.post(
            "/_sandbox/faults", json={"vendor": vendor, "kind": kind, **options}
        ).raise_for_status()

    def configure(self, vendor: str, **options) -> dict:
        response = self.http.post(f"/_sandbox/config/{vendor}", json=options)
        response.raise_for_status()
        return response.json()

    def calls(self, **filters) -> list[dict]:
        response = self.http.get("/_sandbox/calls", params=filters)
        response.raise_for_status()
        return response.json()["calls"]


class PinnedClock:
    """The test's clock: this process (time-machine) and, once a test uses it, the sandbox."""

    def __init__(self, traveller: time_machine.Traveller):
        self.traveller = traveller
        self.sandbox: SandboxControl | None = None

    def move_to(self, instant: datetime) -> None:
        """Both clocks to `instant`, running on from there."""
        self.traveller.move_to(instant)
        if self.sandbox is not None:
            self.sandbox.set_clock(instant.isoformat(), tick=True)


@pytest.fixture(autouse=True)
def pinned_clock():
    """Every test starts at the suite's pinned instant (`TEST_NOW`, see tests/clock.py)."""
    with time_machine.travel(pinned_instant(), tick=True) as traveller:
        yield PinnedClock(traveller)


@pytest.fixture(scope="session")
def sandbox_server():
    """One real sandbox server process (`manage.py sandbox`) for the whole test session."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()  # "Sandbox serving ... at http://127.0.0.1:PORT/"
    if "http://" not in line:
        process.kill()
        raise RuntimeError(f"sandbox did not start: {line!r}")
    url = line.rsplit(" ", 1)[-1].strip().rstrip("/")
    # Every vendor URL defaults to the sandbox; point them all at this one.
    settings.SANDBOX_URL = url
    settings.HEALTHIE_API_URL = f"{url}/healthie/graphql"
    settings.BETTERPT_API_URL = f"{url}/betterpt/graphql"
    settings.BETTERPT_TOKEN_URL = f"{url}/betterpt/oauth/token"
    settings.SEMBLE_API_URL = f"{url}/semble/graphql"
    settings.SEMBLE_QUESTIONNAIRE_HOST = f"{url}/semble/questionnaire"
    settings.QUALIPHY_API_URL = f"{url}/qualiphy/api"
    settings.HCW_API_URL = f"{url}/hcw"
    yield SandboxControl(url)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sandbox(sandbox_server, pinned_clock):
    """The sandbox, back at its demo seed, no faults, an empty call log, its clock on the
    test's own (pinned) clock."""
    sandbox_server.reset()
    pinned_clock.sandbox = sandbox_server
    sandbox_server.set_clock(datetime.now(UTC).isoformat(), tick=True)
    yield sandbox_server
    sandbox_server.reset()


# What a worker started by `celery_worker` runs with besides the test database, sandbox and
# broker: short broker redelivery, leases and retries, so redelivery and backoff take seconds.
FAST_WORKER_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "PROVISIONING_LEASE_SECONDS": "3",
    "PROVISIONING_RETRY_BASE_SECONDS": "0.2",
    "VENDOR_TIMEOUT_SECONDS": "5",
}


def _database_url(database: dict) -> str:
    user = quote(database["USER"] or "", safe="")
    password = database.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgres://{auth}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def celery_worker(transactional_db, sandbox):
    """A factory: `celery_worker()` starts a real Celery worker process and returns its Popen.

    The worker runs on this test's database (committed data: hence `transactional_db`), the
    sandbox and the test Redis broker (`python -m tests.services` sets CELERY_BROKER_URL), with
    fast redelivery and retries (FAST_WORKER_ENV). The queue is purged first: earlier tests
    queued tasks for rows that no longer exist. Workers still running at teardown are stopped,
    before the database is flushed.
    """
    from config.celery import app as celery_app

    assert settings.CELERY_BROKER_URL.startswith("redis://"), "run through `make test`"
    database = connection.settings_dict
    assert database["ENGINE"] == "django.db.backends.postgresql", "a worker needs PostgreSQL"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(database),
        "SANDBOX_URL": sandbox.url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **FAST_WORKER_ENV,
    }
    # Set by the browser tests for their own thread only; the worker keeps Django's check.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    celery_app.control.purge()
    workers: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.clock",  # the worker runs on the test's pinned clock
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, OFFSET_ENV: str(offset_from_real_clock().total_seconds())},
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
