"""Load benchmark: the production server under many patients at once.

    .venv/bin/python bench/load_bench.py [--patients 200] [--latency-ms 150] [--rounds 5]

Starts, in a throwaway folder, what `make demo` runs: Redis (cache and broker), the sandbox
(Healthie answering after --latency-ms) and gunicorn with config/gunicorn.py on an SQLite file in
WAL mode (or DATABASE_URL's database when set, e.g. under `python -m tests.services`). Then
--patients simulated patients, all at once, each open a month calendar and two days of times
(htmx partials, as the page asks them): first with an empty cache, then again with a warm one.
The same number of `/healthz` views, the server's cheapest, gives the ceiling of this machine.
A warm round and a `/healthz` round last about a second each, so a passing hiccup of the machine
moves one round's figures a lot: `--rounds` of each are run, alternating, and the median round of
each is shown, with every round's warm-to-/healthz ratio.

Prints views/s, p50/p95, errors, Healthie calls per view (cold and warm), the CPU time per view
of gunicorn's processes and of this load generator, and the busiest second of Healthie calls
against HEALTHIE_RATE_LIMIT_PER_SECOND. The load generator shares the machine with the server, as
the /healthz ceiling does; the CPU columns say which of the two the machine spends its time on
and, unlike views/s, hardly change with what else the machine is doing (Redis's and PostgreSQL's
own CPU are not counted; SQLite's, in the web process, is).
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.booking_bench import VIDEO, slow_healthie, start_sandbox  # noqa: E402
from scheduling.management.local_redis import free_port, redis_server, wait_for_port  # noqa: E402

DAY_BUTTON = re.compile(r"<button\b[^>]*\bname=\"day\"[^>]*>")
VALUE = re.compile(r'\bvalue="([^"]+)"')
# Patients spread over providers and zones, as a clinic's are: each pair is its own cache entry.
PROVIDERS = ("101", "102", "103")
ZONES = ("America/New_York", "America/Chicago")


@dataclass
class Phase:
    name: str
    durations: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    healthie_calls: int = 0
    server_cpu: float = 0.0  # seconds of CPU the gunicorn processes used during the phase
    client_cpu: float = 0.0  # ...and this load generator

    @property
    def views(self) -> int:
        return len(self.durations) + len(self.errors)

    def row(self) -> str:
        ordered = sorted(self.durations) or [float("nan")]
        p50 = statistics.median(ordered)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        per_view = f"{self.healthie_calls / self.views:.3f}" if self.name != "/healthz" else "-"
        server_ms, client_ms = (s * 1000 / self.views for s in (self.server_cpu, self.client_cpu))
        return (
            f"{self.name:<14}{self.views:>6}{len(self.errors):>7}{self.views / self.wall:>9.1f}"
            f"{p50 * 1000:>9.0f}{p95 * 1000:>9.0f}{per_view:>14}"
            f"{server_ms:>12.2f}{client_ms:>12.2f}"
        )


def open_days(html: str) -> list[str]:
    return [
        VALUE.search(tag)[1]
        for tag in DAY_BUTTON.findall(html)
        if " disabled" not in tag and VALUE.search(tag)
    ]


def timed(connection: HTTPConnection, phase: Phase, path: str, **headers) -> str | None:
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode()
    except (OSError, HTTPException) as exc:
        phase.errors.append(type(exc).__name__)
        connection.close()  # the next request opens a new connection
        return None
    if response.status != 200:
        phase.errors.append(f"HTTP {response.status}")
        return None
    phase.durations.append(time.perf_counter() - started)
    return body


def patient(connection: HTTPConnection, phase: Phase, index: int) -> None:
    """A month calendar, then the times of its first two open days."""
    params = {
        "type": "301",
        "contact": VIDEO,
        "provider": PROVIDERS[index % len(PROVIDERS)],
        "tz": ZONES[index // len(PROVIDERS) % len(ZONES)],
    }
    htmx = {"HX-Request": "true"}
    calendar = timed(connection, phase, f"/book/riverside/calendar/?{urlencode(params)}", **htmx)
    days = open_days(calendar or "")[:2]
    if len(days) < 2:
        phase.errors.append("fewer than two open days")
        return
    for day in days:  # the day form is an htmx form too: the page asks for the partial
        path = f"/book/riverside/times/?{urlencode({**params, 'day': day})}"
        timed(connection, phase, path, **htmx)


def ceiling(connection: HTTPConnection, phase: Phase, _index: int) -> None:
    for _ in range(3):
        timed(connection, phase, "/healthz")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid` and its children's threads
    (gunicorn's master and workers), from /proc: the server's cost, whatever the load."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: its parent
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run(port: int, phase: Phase, patients: int, visit, server_pid: int) -> Phase:
    """`patients` browsers at once: a thread and a keep-alive connection each (the standard
    library's client: the load generator shares the CPUs with the server, so it must be light)."""
    start = threading.Barrier(patients + 1)

    def browse(index: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        visit(connection, phase, index)
        connection.close()

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(patients)]
    for thread in threads:
        thread.start()
    server_before, client_before = cpu_seconds(server_pid), time.process_time()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.wall = time.perf_counter() - started
    phase.server_cpu = cpu_seconds(server_pid) - server_before
    phase.client_cpu = time.process_time() - client_before
    return phase


def first_view(url: str) -> tuple[int, int]:
    """Requests and bytes on the wire (compressed) for a patient's first view of `url`, in
    Chromium with an empty cache, until the network is idle."""
    from playwright.sync_api import sync_playwright

    sizes: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.on("requestfinished", lambda request: sizes.append(_wire_size(request)))
        page.goto(url, wait_until="networkidle")
        browser.close()
    return len(sizes), sum(sizes)


def _wire_size(request) -> int:
    found = request.sizes()
    return found["responseBodySize"] + found["responseHeadersSize"]


def busiest_second(calls: list[dict]) -> int:
    """The most Healthie requests that reached the sandbox in any one second."""
    starts = sorted(
        datetime.fromisoformat(c["at"]) - timedelta(milliseconds=c["duration_ms"]) for c in calls
    )
    window = timedelta(seconds=1)
    return max((sum(1 for t in starts if s <= t < s + window) for s in starts), default=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5, help="warm and /healthz rounds")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        with redis_server() as redis_url:
            sandbox, sandbox_url = start_sandbox()
            processes.append(sandbox)
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": os.environ.get(
                    "DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"
                ),
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                "DJANGO_SSL_REDIRECT": "0",
                "DJANGO_STATIC_ROOT": str(workdir / "static"),
                "CACHE_URL": f"{redis_url}/1",
                "CELERY_BROKER_URL": f"{redis_url}/0",
                "SANDBOX_URL": sandbox_url,
                "WEB_BIND": f"127.0.0.1:{port}",
            }
            manage = [sys.executable, str(ROOT / "manage.py")]
            for command in (["migrate"], ["seed_demo"], ["collectstatic", "--no-input"]):
                subprocess.run([*manage, *command, "-v0"], env=env, cwd=ROOT, check=True)
            with open(workdir / "server.log", "w") as log:
                server = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            processes.append(server)
            if not wait_for_port(port, 30):
                raise SystemExit("gunicorn did not start")
            base_url = f"http://127.0.0.1:{port}"
            control = httpx.Client(base_url=sandbox_url, timeout=30)
            slow_healthie(control, options.latency_ms)

            def healthie_calls() -> list[dict]:
                response = control.get("/_sandbox/calls", params={"vendor": "healthie"})
                return response.json()["calls"]

            all_calls = []

            def measured(name: str, visit) -> Phase:
                control.delete("/_sandbox/calls").raise_for_status()
                phase = run(port, Phase(name), options.patients, visit, server.pid)
                calls = healthie_calls()
                phase.healthie_calls = len(calls)
                all_calls.extend(calls)
                return phase

            cold = measured("cold", patient)
            rounds = [
                (measured("warm", patient), measured("/healthz", ceiling))
                for _ in range(max(1, options.rounds))
            ]
            ratios = [w.views / w.wall / (h.views / h.wall) for w, h in rounds]
            warm = _median_round([w for w, _ in rounds])
            top = _median_round([h for _, h in rounds])

            budget = int(os.environ.get("HEALTHIE_RATE_LIMIT_PER_SECOND", "200"))
            workers = server_shape(workdir / "server.log")
            print(
                f"\n{options.patients} patients at once, each a month calendar and two days of "
                f"times (3 views); Healthie latency {options.latency_ms} ms; gunicorn {workers}"
            )
            print(
                f"{'phase':<14}{'views':>6}{'errors':>7}{'views/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
                f"{'Healthie/view':>14}{'server CPU':>12}{'client CPU':>12}"
            )
            for phase in (cold, warm, top):
                print(phase.row())
            print(
                "(server CPU, client CPU: ms of CPU per view, gunicorn's / this generator's; "
                f"warm and /healthz: the median of {len(rounds)} rounds)"
            )
            warm_p95 = sorted(warm.durations)[round(0.95 * len(warm.durations)) - 1]
            print(
                f"\nwarm views/s = {statistics.median(ratios):.0%} of /healthz, median "
                f"(rounds: {', '.join(f'{r:.0%}' for r in ratios)}); "
                f"warm p95/p50 = {warm_p95 / statistics.median(warm.durations):.2f}; "
                f"busiest second: {busiest_second(all_calls)} Healthie calls (budget {budget}/s)"
            )
            requests, size = first_view(f"{base_url}/book/riverside/")
            print(f"first view of /book/riverside/: {requests} requests, {size / 1024:.1f} KB")
            errors = [e for p in (cold, *(p for r in rounds for p in r)) for e in p.errors]
            if errors:
                print("errors:", ", ".join(sorted(set(errors))))
            print()
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _median_round(phases: list[Phase]) -> Phase:
    """The round with the median views/s (the lower middle one of an even count)."""
    ordered = sorted(phases, key=lambda p: p.views / p.wall)
    return ordered[(len(ordered) - 1) // 2]


def server_shape(log: Path) -> str:
    """How many workers gunicorn booted, and their threads."""
    booted = log.read_text().count("Booting worker")
    threads = os.environ.get("WEB_THREADS", "16")
    return f"{booted} workers x {threads} threads"


if __name__ == "__main__":
    sys.exit(main())
