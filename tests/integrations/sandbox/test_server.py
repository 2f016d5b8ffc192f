"""The sandbox server's shared machinery (routing, faults, clock, call log) over real HTTP,
with a minimal counter vendor so these tests do not depend on any one vendor's emulator."""

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.sandbox.base import Clock, Request, Response
from integrations.sandbox.server import make_server


class CounterSandbox:
    """POST /bump increments a counter: lets a test see whether a faulted call was handled."""

    name = "counter"

    def __init__(self, clock: Clock):
        self.clock = clock
        self.reset()

    def operation(self, request: Request) -> str:
        return request.path.strip("/") or "root"

    def handle(self, request: Request) -> Response:
        if request.path == "/bump":
            self.count += 1
        return Response.json({"count": self.count, "now": self.clock.now().isoformat()})

    def reset(self) -> None:
        self.count = 0

    def configure(self, options: dict) -> dict:
        return {"count": self.count}


@pytest.fixture
def server():
    server = make_server("127.0.0.1", 0, vendors=[f"{__name__}.CounterSandbox"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    with httpx.Client(base_url=url, timeout=2) as http:
        yield http
    server.shutdown()
    server.server_close()


def test_routes_to_vendor_and_logs_calls(server):
    assert server.post("/counter/bump").json()["count"] == 1
    assert server.get("/counter/peek").json()["count"] == 1
    assert server.get("/nowhere/x").status_code == 404
    calls = server.get("/_sandbox/calls", params={"vendor": "counter"}).json()["calls"]
    assert [(c["operation"], c["status"]) for c in calls] == [("bump", 200), ("peek", 200)]
    assert server.get("/_sandbox/calls", params={"operation": "bump"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("kind", "status"), [("http_500", 500), ("http_429", 429), ("malformed", 200)]
)
def test_status_faults_answer_without_reaching_the_vendor(server, kind, status):
    server.post("/_sandbox/faults", json={"vendor": "counter", "kind": kind, "retry_after": 2})
    response = server.post("/counter/bump")
    assert response.status_code == status
    if kind == "http_429":
        assert response.headers["Retry-After"] == "2"
    if kind == "malformed":
        with pytest.raises(ValueError):
            response.json()
    # count=1 by default: the next call goes through, and the faulted one never reached the vendor
    assert server.post("/counter/bump").json()["count"] == 1


def test_reset_fault_drops_the_connection(server):
    server.post("/_sandbox/faults", json={"vendor": "counter", "kind": "reset"})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        server.post("/counter/bump")
    assert server.post("/counter/bump").json()["count"] == 1


def test_timeout_after_handling_loses_the_answer_but_not_the_write(server):
    server.post(
        "/_sandbox/faults",
        json={
            "vendor": "counter",
            "kind": "timeout",
            "operation": "bump",
            "when": "after",
            "timeout_seconds": 1.5,
        },
    )
    with pytest.raises(httpx.ReadTimeout):
        server.post("/counter/bump", timeout=0.5)
    assert server.get("/counter/peek").json()["count"] == 1  # it happened; the answer was lost


def test_latency_fault_delays_and_counts(server):
    server.post(
        "/_sandbox/faults",
        json={"vendor": "counter", "kind": "latency", "latency_ms": 300, "count": 2},
    )
    for _ in range(3):
        server.post("/counter/bump")
    calls = server.get("/_sandbox/calls").json()["calls"]
    assert [c["fault"] for c in calls] == ["latency", "latency", None]
    assert all(c["duration_ms"] >= 300 for c in calls[:2])
    assert calls[2]["duration_ms"] < 300


def test_skip_lets_the_first_matching_calls_through(server):
    server.post(
        "/_sandbox/faults",
        json={"vendor": "counter", "kind": "http_500", "operation": "bump", "skip": 2},
    )
    statuses = [server.post("/counter/bump").status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]  # count=1 after the two skipped
    assert server.get("/counter/peek").json()["count"] == 3


def test_a_ticking_clock_starts_at_the_instant_and_runs_on(server):
    answer = server.post(
        "/_sandbox/clock", json={"now": "2027-03-14T06:30:00+00:00", "tick": True}
    ).json()
    assert answer["frozen"] is False
    first = datetime.fromisoformat(server.get("/counter/peek").json()["now"])
    time.sleep(0.05)
    second = datetime.fromisoformat(server.get("/counter/peek").json()["now"])
    start = datetime(2027, 3, 14, 6, 30, tzinfo=UTC)
    assert start <= first < second < start + timedelta(seconds=5)


def test_clock_can_be_frozen_and_released_and_reset_clears_everything(server):
    server.post("/_sandbox/clock", json={"now": "2027-02-01T12:00:00+00:00"})
    assert server.get("/counter/peek").json()["now"] == "2027-02-01T12:00:00+00:00"
    server.post("/counter/bump")
    server.post("/_sandbox/faults", json={"vendor": "counter", "kind": "http_500", "count": None})
    server.post("/_sandbox/reset")
    assert server.get("/_sandbox/faults").json()["faults"] == []
    assert server.get("/_sandbox/clock").json()["now"] != "2027-02-01T12:00:00+00:00"
    assert server.get("/counter/peek").json()["count"] == 0
    assert server.get("/_sandbox/calls").json()["count"] == 1  # only the peek after the reset


def test_bad_control_input_is_a_400(server):
    response = server.post("/_sandbox/faults", json={"vendor": "counter", "kind": "meteor"})
    assert response.status_code == 400
    assert "unknown fault kind" in response.json()["error"]
    assert server.post("/_sandbox/clock", json={"now": "not a date"}).status_code == 400
