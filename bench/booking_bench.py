"""Booking benchmark: upstream Healthie calls per completed booking, and server time per
days/times partial on a cache hit and a cache miss.

    python -m tests.services .venv/bin/python bench/booking_bench.py [--bookings 10] [--runs 30]
        [--latency-ms 0]

Starts its own sandbox server, drives the real views with Django's test client (htmx partials
requested as htmx does) against a throwaway database (the PostgreSQL that tests.services starts,
else a temporary SQLite file) with DEBUG off and the cache in its Redis (else DEBUG on and a
per-process cache), counts calls in the sandbox call log and prints two tables (the
partials' server time as wall clock and as this process's CPU time, which a busy machine changes
much less).
`--latency-ms` adds sandbox latency to every Healthie call, to see what a miss costs when the
vendor is slow (real Healthie answers in a few hundred milliseconds).
"""

import argparse
import html
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = re.compile(r'name="day" value="([^"]+)" aria-label="[^"]+" class="[^"]*"(?! disabled)')
SLOT = re.compile(r'name="slot" value="([^"]+)"')
VIDEO = "Healthie Video Call"


def start_sandbox() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return process, line.rsplit(" ", 1)[-1].strip().rstrip("/")


def slow_healthie(control, latency_ms: int) -> None:
    """Every Healthie call in the sandbox answers `latency_ms` later (0: as fast as it can)."""
    if latency_ms:
        fault = {"vendor": "healthie", "kind": "latency", "latency_ms": latency_ms, "count": None}
        control.post("/_sandbox/faults", json=fault).raise_for_status()


def hidden(content: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', content)
    if not match:
        raise AssertionError(f"no {name} on the page")
    return html.unescape(match[1])


class Bench:
    def __init__(self, sandbox_url: str):
        import httpx
        from django.test import Client

        self.control = httpx.Client(base_url=sandbox_url, timeout=30)
        self.client = Client()
        self.params = {"type": "301", "contact": VIDEO, "provider": "101", "tz": "America/New_York"}

    # -- sandbox -----------------------------------------------------------------------------

    def calls(self) -> Counter:
        response = self.control.get("/_sandbox/calls", params={"vendor": "healthie"})
        return Counter(call["operation"] for call in response.json()["calls"])

    def clear_calls(self) -> None:
        self.control.delete("/_sandbox/calls").raise_for_status()

    # -- flow --------------------------------------------------------------------------------

    def get(self, path: str, params: dict, **headers):
        response = self.client.get(f"{path}?{urlencode(params)}", **headers)
        if response.status_code != 200:
            raise AssertionError(f"GET {path}: HTTP {response.status_code}")
        return response

    def post(self, path: str, data: dict):
        return self.client.post(path, data, HTTP_ORIGIN="http://testserver")

    def book_once(self, index: int) -> None:
        """Every step a patient takes, from the first page to the confirmation."""
        self.get("/book/riverside/", {"tz": self.params["tz"]})
        self.get("/book/riverside/contact/", {"type": "301", "tz": self.params["tz"]})
        calendar = self.get("/book/riverside/calendar/", self.params).content.decode()
        day = DAY.search(calendar)[1]
        times = self.get("/book/riverside/times/", {**self.params, "day": day}).content.decode()
        slot = SLOT.search(times)[1]
        hold = self.post(
            "/book/riverside/hold/",
            {"form_token": hidden(times, "form_token"), "slot": html.unescape(slot)},
        )
        details = self.client.get(hold["Location"]).content.decode()
        review = self.post(
            "/book/riverside/details/",
            {
                "details_token": hidden(details, "details_token"),
                "first_name": "Bench",
                "last_name": f"Patient{index}",
                "email": f"bench.patient{index}@example.com",
                "phone": "555-010-0000",
            },
        ).content.decode()
        booked = self.post(
            "/book/riverside/confirm/", {"confirm_token": hidden(review, "confirm_token")}
        )
        if "/booked/" not in booked.get("Location", ""):
            raise AssertionError("booking did not complete")
        self.client.get(booked["Location"])

    def calls_per_booking(self, bookings: int, *, cold: bool) -> tuple[float, Counter]:
        from django.core.cache import cache

        cache.clear()
        if not cold:
            self.book_once(2000)  # fills the catalogue (types, providers), kept for minutes
        self.clear_calls()
        for index in range(bookings):
            if cold:
                cache.clear()
            self.book_once(index + (1000 if cold else 0))
        calls = self.calls()
        return sum(calls.values()) / bookings, calls

    # -- partial timings ---------------------------------------------------------------------

    def time_partial(self, path: str, params: dict, runs: int) -> dict[str, list[float]]:
        """Server time (wall) and CPU time of this process (the sandbox's is not counted), ms,
        by "miss" / "hit" and "cpu miss" / "cpu hit"."""
        from scheduling.availability.services import availability_invalidate

        timings: dict[str, list[float]] = {"miss": [], "hit": [], "cpu miss": [], "cpu hit": []}
        self.get(path, params, HTTP_HX_REQUEST="true")  # warm the catalogue (types, providers)
        for _ in range(runs):
            availability_invalidate(provider_ids=["101", "102", "103"])
            for kind in ("miss", "hit"):
                started, cpu = time.perf_counter(), time.process_time()
                self.get(path, params, HTTP_HX_REQUEST="true")
                timings[kind].append((time.perf_counter() - started) * 1000)
                timings[f"cpu {kind}"].append((time.process_time() - cpu) * 1000)
        return timings


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"{statistics.median(ordered):8.1f} {p95:8.1f} {statistics.fmean(ordered):8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=10)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=0)
    options = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="booking-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "REDIS_URL" in os.environ and "DJANGO_STATIC_ROOT" in os.environ:
        # Under tests.services, measured as production runs: DEBUG off (no template debugging,
        # no query log) and the cache in Redis.
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(40))
        os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
        os.environ.setdefault("CACHE_URL", f"{os.environ['REDIS_URL']}/2")
    elif "DJANGO_SECRET_KEY" not in os.environ:
        os.environ["DJANGO_DEBUG"] = "1"
    sandbox, sandbox_url = start_sandbox()
    os.environ["SANDBOX_URL"] = sandbox_url
    try:
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.test.utils import setup_test_environment

        logging.disable(logging.INFO)  # keep the table readable
        setup_test_environment()  # allows the test client's "testserver" host
        call_command("migrate", verbosity=0)
        call_command("seed_demo", verbosity=0)

        bench = Bench(sandbox_url)
        slow_healthie(bench.control, options.latency_ms)

        warm, warm_calls = bench.calls_per_booking(options.bookings, cold=False)
        cold, cold_calls = bench.calls_per_booking(options.bookings, cold=True)
        print(f"\nUpstream Healthie calls per completed booking ({options.bookings} bookings)")
        print(f"{'scenario':<34}{'calls/booking':>14}  by operation (total)")
        for name, per, calls in (
            ("warm cache (patients in a row)", warm, warm_calls),
            ("cold cache for every patient", cold, cold_calls),
        ):
            detail = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
            print(f"{name:<34}{per:>14.2f}  {detail}")

        day = DAY.search(bench.get("/book/riverside/calendar/", bench.params).content.decode())[1]
        print(
            f"\nServer time per htmx partial, ms ({options.runs} runs each; "
            f"sandbox latency {options.latency_ms} ms)"
        )
        print(f"{'partial':<26}{'cache':>6} {'median':>8} {'p95':>8} {'mean':>8} {'CPU med':>8}")
        for name, path, params in (
            ("days (month calendar)", "/book/riverside/calendar/", bench.params),
            ("times (one day)", "/book/riverside/times/", {**bench.params, "day": day}),
        ):
            timings = bench.time_partial(path, params, options.runs)
            for kind in ("miss", "hit"):
                cpu = statistics.median(timings[f"cpu {kind}"])
                print(f"{name:<26}{kind:>6} {summary(timings[kind])} {cpu:8.1f}")
        print("(CPU med: this process's CPU time, median: what the view costs however busy the")
        print(" machine is; the wall-clock columns also count waiting for a CPU)")
        print()
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
