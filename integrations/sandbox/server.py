"""The sandbox server: one process serving every vendor sandbox over real HTTP.

Routes `/<vendor>/...` to that vendor's sandbox and `/_sandbox/...` to the controls that tests and
benchmarks use: reset, clock, faults, per-vendor configuration and the call log. `/clinic-site/`
is the demo's sample clinic website, on another origin than the app, embedding its widget.
"""

import contextlib
import json
import logging
import random
import socket
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from urllib.parse import parse_qsl, urlsplit

from integrations.sandbox import clinic_site
from integrations.sandbox.base import Clock, Request, Response, VendorSandbox

logger = logging.getLogger(__name__)

VENDOR_SANDBOXES = [
    "integrations.healthie.sandbox.app.HealthieSandbox",
    "integrations.betterpt.sandbox.app.BetterPTSandbox",
    "integrations.semble.sandbox.app.SembleSandbox",
    "integrations.qualiphy.sandbox.app.QualiphySandbox",
    "integrations.hcw.sandbox.app.HCWSandbox",
]

FAULT_KINDS = {"latency", "http_500", "http_429", "timeout", "reset", "malformed"}


@dataclass
class Fault:
    """One injected failure. `count` calls (None: unlimited) hit with probability `rate`.

    `when="after"` runs the vendor first and then loses the answer: the write happened but the
    caller never hears of it (the case a client must settle by looking the result up).
    `skip` lets that many matching calls through untouched first (e.g. a read that works, then
    the read-back of the same request fails).
    """

    vendor: str
    kind: str
    operation: str = "*"
    count: int | None = 1
    rate: float = 1.0
    latency_ms: int = 0
    timeout_seconds: float = 30.0
    retry_after: int | None = None
    when: str = "before"
    skip: int = 0
    hits: int = 0
    skipped: int = 0

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.when not in {"before", "after"}:
            raise ValueError("when must be 'before' or 'after'")

    def matches(self, vendor: str, operation: str) -> bool:
        return self.vendor == vendor and self.operation in {"*", operation}

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count


@dataclass
class Call:
    seq: int
    at: str
    vendor: str
    operation: str
    method: str
    path: str
    status: int | None
    fault: str | None
    duration_ms: float = 0.0


@dataclass
class SandboxState:
    clock: Clock = field(default_factory=Clock)
    vendors: dict[str, VendorSandbox] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pick_fault(self, vendor: str, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                live = fault.matches(vendor, operation) and not fault.exhausted
                if live and fault.skipped < fault.skip:
                    fault.skipped += 1
                    return None
                if live and random.random() < fault.rate:
                    fault.hits += 1
                    return fault
            return None

    def log_call(self, **fields) -> None:
        with self.lock:
            self.calls.append(Call(seq=len(self.calls) + 1, **fields))

    def reset(self) -> None:
        self.clock.set(None)
        with self.lock:
            self.faults.clear()
            self.calls.clear()
        for vendor in self.vendors.values():
            vendor.reset()


def load_vendors(clock: Clock, dotted_paths: Iterable[str] = VENDOR_SANDBOXES):
    vendors = {}
    for dotted in dotted_paths:
        module, _, name = dotted.rpartition(".")
        sandbox = getattr(import_module(module), name)(clock)
        vendors[sandbox.name] = sandbox
    return vendors


class DropConnection(Exception):
    """Raised to end a request without an HTTP answer (timeout and reset faults)."""

    def __init__(self, abort: bool, hold_seconds: float = 0.0):
        self.abort = abort
        self.hold_seconds = hold_seconds


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VendorSandbox/1"
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client waits
    # ~40 ms for the delayed ACK on every call.
    disable_nagle_algorithm = True
    state: SandboxState  # set on the subclass made by make_server

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        # The default writes every request line to stderr; the call log covers it.
        pass

    def dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        segments = parts.path.split("/", 2)
        prefix = segments[1] if len(segments) > 1 else ""
        request = Request(
            method=self.command,
            path="/" + (segments[2] if len(segments) > 2 else ""),
            query=dict(parse_qsl(parts.query)),
            headers=self.headers,
            body=body,
            client_ip=self.client_address[0],
        )
        try:
            if prefix == "_sandbox":
                response = control(self.state, request)
            elif prefix == "clinic-site":  # the demo's sample clinic website (no vendor)
                response = clinic_site.respond(request)
            elif prefix in self.state.vendors:
                response = self.call_vendor(self.state.vendors[prefix], request)
            else:
                response = Response.json({"error": "Not Found"}, status=404)
        except DropConnection as drop:
            self.drop(abort=drop.abort)
            return
        self.write(response)

    def call_vendor(self, vendor: VendorSandbox, request: Request) -> Response:
        started = time.monotonic()
        try:
            operation = vendor.operation(request)
        except Exception:  # an unreadable request still gets logged and answered by the vendor
            operation = "unknown"
        fault = self.state.pick_fault(vendor.name, operation)
        if fault and fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        outcome: Response | DropConnection
        if fault and fault.when == "before" and fault.kind != "latency":
            outcome = self.faulty_outcome(fault)
        else:
            outcome = vendor.handle(request)
            if fault and fault.when == "after" and fault.kind != "latency":
                outcome = self.faulty_outcome(fault)
        # Logged before a dropped answer is held back, so a test sees the call at once.
        self.state.log_call(
            at=self.state.clock.now().isoformat(),
            vendor=vendor.name,
            operation=operation,
            method=request.method,
            path=request.path,
            status=outcome.status if isinstance(outcome, Response) else None,
            fault=fault.kind if fault else None,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
        )
        if isinstance(outcome, DropConnection):
            time.sleep(outcome.hold_seconds)
            raise outcome
        return outcome

    @staticmethod
    def faulty_outcome(fault: Fault) -> Response | DropConnection:
        if fault.kind == "http_500":
            return Response.text("Internal Server Error", status=500)
        if fault.kind == "http_429":
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            )
            return Response.text("Too Many Requests", status=429, headers=headers)
        if fault.kind == "malformed":
            return Response(
                status=200, body=b'{"data": {"trunc', headers={"Content-Type": "application/json"}
            )
        if fault.kind == "timeout":  # hold the connection silent, then close it
            return DropConnection(abort=False, hold_seconds=fault.timeout_seconds)
        return DropConnection(abort=True)  # reset

    def drop(self, *, abort: bool) -> None:
        if abort:  # SO_LINGER 0 makes close() send a TCP RST: "connection reset by peer"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


def control(state: SandboxState, request: Request) -> Response:
    """The `/_sandbox/*` endpoints."""
    route = (request.method, request.path.rstrip("/"))
    try:
        payload = request.json() if request.body else {}
    except json.JSONDecodeError:
        return Response.json({"error": "body must be JSON"}, status=400)
    try:
        if route == ("POST", "/reset"):
            state.reset()
            return Response.json({"reset": True})
        if route == ("POST", "/clock"):
            now, tick = payload.get("now"), bool(payload.get("tick"))
            state.clock.set(datetime.fromisoformat(now) if now else None, tick=tick)
            return Response.json(
                {"now": state.clock.now().isoformat(), "frozen": bool(now) and not tick}
            )
        if route == ("GET", "/clock"):
            return Response.json({"now": state.clock.now().isoformat()})
        if route == ("POST", "/faults"):
            faults = payload if isinstance(payload, list) else [payload]
            counters = {"hits", "skipped"}
            added = [Fault(**{k: v for k, v in f.items() if k not in counters}) for f in faults]
            with state.lock:
                state.faults.extend(added)
            return Response.json({"faults": [asdict(f) for f in state.faults]})
        if route == ("DELETE", "/faults"):
            with state.lock:
                state.faults.clear()
            return Response.json({"faults": []})
        if route == ("GET", "/faults"):
            return Response.json({"faults": [asdict(f) for f in state.faults]})
        if route == ("GET", "/calls"):
            calls = [
                asdict(c)
                for c in state.calls
                if all(
                    getattr(c, key) == value
                    for key, value in request.query.items()
                    if key in {"vendor", "operation", "method", "path"}
                )
            ]
            return Response.json({"calls": calls, "count": len(calls)})
        if route == ("DELETE", "/calls"):
            with state.lock:
                state.calls.clear()
            return Response.json({"calls": [], "count": 0})
        if request.path.startswith("/config/"):
            vendor = state.vendors.get(request.path.removeprefix("/config/").strip("/"))
            if vendor is None:
                return Response.json({"error": "unknown vendor"}, status=404)
            return Response.json(vendor.configure(payload if request.method == "POST" else {}))
        if route == ("GET", "/health"):
            return Response.json({"ok": True, "vendors": sorted(state.vendors)})
    except (TypeError, ValueError) as exc:
        return Response.json({"error": str(exc)}, status=400)
    return Response.json({"error": "Not Found"}, status=404)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog of 5 drops connections when tests and benchmarks fire
    # dozens of requests at once; a dropped SYN looks like a vendor timeout.
    request_queue_size = 256


def make_server(host: str, port: int, vendors: list[str] | None = None) -> ThreadingHTTPServer:
    state = SandboxState()
    state.vendors = load_vendors(state.clock, vendors or VENDOR_SANDBOXES)
    handler = type("BoundSandboxHandler", (SandboxHandler,), {"state": state})
    server = SandboxHTTPServer((host, port), handler)
    server.sandbox_state = state
    return server
