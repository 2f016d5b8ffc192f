"""gunicorn serves the app as production does: static files hashed, compressed and cached for a
year, HTML never compressed, an access log without query strings or secrets, one Healthie call
for identical misses across worker processes, concurrent writes to SQLite without "database is
locked", and a clean stop on SIGTERM."""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from tests.conftest import ROOT
from tests.scheduling.conftest import VIDEO, days_ahead
from tests.scheduling.html import Page
from tests.server.conftest import serving

YEAR = 365 * 24 * 3600
FLOW = {"type": "301", "contact": VIDEO, "provider": "101", "tz": "America/New_York"}


def static_paths(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def open_day(client, **params) -> str:
    """The first open day at least four days ahead (past every notice window)."""
    earliest = days_ahead(4).isoformat()
    month = earliest[:7]
    for _ in range(3):
        query = {**FLOW, **params, "month": month}
        calendar = client.get("/book/riverside/calendar/", params=query)
        assert calendar.status_code == 200, calendar.text[:300]
        days = [
            b.value
            for b in Page(calendar.text).buttons(name="day")
            if not b.disabled and b.value >= earliest
        ]
        if days:
            return days[0]
        year, number = map(int, month.split("-"))
        month = f"{year + number // 12}-{number % 12 + 1:02d}"
    raise AssertionError("no open day in three months")


def test_static_files_are_hashed_compressed_and_kept_for_a_year(production_server):
    client = production_server.client()
    page = client.get("/book/riverside/", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200
    # HTML carries signed tokens: never compressed (BREACH), whatever the browser accepts.
    assert "content-encoding" not in page.headers
    paths = static_paths(page.text)
    assert paths and all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", p) for p in paths), paths
    for path in paths:
        for encoding in ("br", "gzip"):
            response = client.get(path, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200
            assert response.headers["content-encoding"] == encoding
            cache_control = response.headers["cache-control"]
            assert "immutable" in cache_control
            assert int(re.search(r"max-age=(\d+)", cache_control)[1]) >= YEAR


def test_the_access_log_has_paths_without_queries_or_secrets(production_server):
    client = production_server.client()
    prefill = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "5551234567"}
    # Prefill is taken on entry and the patient sent on with its key only (booking.prefill).
    entry = client.get("/book/riverside/", params=prefill, follow_redirects=True)
    assert entry.status_code == 200
    token = "m" * 43
    assert client.get(f"/manage/{token}/").status_code == 404
    assert production_server.stop() == 0

    log = production_server.log()
    assert '"GET /book/riverside/" 200' in log
    for secret in ("Ada", "Lovelace", "ada@example.com", "5551234567", "?", token):
        assert secret not in log, secret


def test_identical_misses_in_every_worker_make_one_healthie_call(production_server, sandbox):
    client = production_server.client()
    day = open_day(client)
    for operation in ("daysAvailableForRange", "availableSlotsForRange"):
        sandbox.fault("healthie", "latency", operation=operation, latency_ms=600, count=None)
    sandbox.http.delete("/_sandbox/calls").raise_for_status()
    other_zone = {**FLOW, "tz": "America/Chicago", "day": day}  # nothing cached for this zone
    path = f"/book/riverside/times/?{urlencode(other_zone)}"

    def look(_):
        with production_server.client() as own:  # a connection each: spread over the workers
            response = own.get(path, headers={"HX-Request": "true"})
            return response.status_code, response.text.count('name="slot"')

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(look, range(24)))
    assert {status for status, _ in outcomes} == {200}
    assert len({slots for _, slots in outcomes}) == 1 and outcomes[0][1] > 0
    pids = set(re.findall(r"\[(\d+)\] INFO gunicorn.access", production_server.log()))
    assert len(pids) > 1  # the requests really came to more than one process
    calls = sandbox.calls(vendor="healthie")
    assert sorted(c["operation"] for c in calls) == [
        "availableSlotsForRange",
        "daysAvailableForRange",
    ]


def test_sqlite_takes_concurrent_holds_and_manage_views(production_server, sandbox):
    client = production_server.client()
    day = open_day(client)
    times = client.get("/book/riverside/times/", params={**FLOW, "day": day})
    form = Page(times.text).form(action="/book/riverside/hold/")
    fields, slots = form.hidden_fields(), [b.value for b in form.buttons(name="slot")]
    assert len(slots) >= 2

    def hold(index):
        with production_server.client() as own:
            response = own.post(
                "/book/riverside/hold/",
                data={**fields, "slot": slots[index % 2]},
                headers={"Origin": production_server.url},
            )
            return response.status_code, response.headers.get("location", "")

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(hold, range(20)))
    statuses = [status for status, _ in outcomes]
    assert all(status < 500 for status in statuses), statuses
    held = [where for status, where in outcomes if status == 302 and "notice=taken" not in where]
    assert len(held) == 2, outcomes  # one patient per slot; the others are told it is taken

    details = client.get(held[0])
    review = client.post(
        "/book/riverside/details/",
        data={
            "details_token": Page(details.text).hidden("details_token"),
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada.lovelace@example.com",
            "phone": "555-123-4567",
        },
        headers={"Origin": production_server.url},
    )
    booked = client.post(
        "/book/riverside/confirm/",
        data={"confirm_token": Page(review.text).hidden("confirm_token")},
        headers={"Origin": production_server.url},
    )
    assert booked.status_code == 302, booked.text[:300]
    confirmation = client.get(booked.headers["location"])
    manage = re.search(r'href="(/manage/[^"]+/)"', confirmation.text)[1]

    def view(_):
        with production_server.client() as own:
            return own.get(manage).status_code

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(view, range(10))) == [200] * 10
    assert "database is locked" not in production_server.log()
    assert "Internal Server Error" not in production_server.log()


def test_with_production_settings_http_redirects_but_the_health_check_passes(
    sandbox, seeded_sqlite, tmp_path
):
    host = "clinic.example.com"
    with serving(sandbox, seeded_sqlite, tmp_path, DJANGO_ALLOWED_HOSTS=host) as server:
        client = server.client(headers={"Host": host})
        page = client.get("/book/riverside/")
        assert page.status_code == 301
        assert page.headers["location"] == f"https://{host}/book/riverside/"

        port = server.url.rsplit(":", 1)[1]
        check = [sys.executable, "config/healthcheck.py"]
        env = {**os.environ, "PORT": port, "DJANGO_ALLOWED_HOSTS": host}
        assert subprocess.run(check, cwd=ROOT, env=env, timeout=10).returncode == 0
        wrong_port = {**env, "PORT": "9"}
        assert subprocess.run(check, cwd=ROOT, env=wrong_port, timeout=10).returncode == 1


def test_behind_a_proxy_https_pages_carry_hsts(sandbox, seeded_sqlite, tmp_path):
    host = "clinic.example.com"
    env = {"DJANGO_ALLOWED_HOSTS": host, "DJANGO_BEHIND_PROXY": "1"}
    with serving(sandbox, seeded_sqlite, tmp_path, **env) as server:
        client = server.client(headers={"Host": host, "X-Forwarded-Proto": "https"})
        page = client.get("/book/riverside/")
        assert page.status_code == 200
        hsts = page.headers["strict-transport-security"]
        assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
