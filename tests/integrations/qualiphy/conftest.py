"""Fixtures for Qualiphy: clients against the sandbox server, and a tiny webhook receiver."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.qualiphy.client import QualiphyClient
from integrations.transport import RetryPolicy

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.02, max_delay=0.5)
API_KEY = "sandbox-qualiphy-key"  # settings.SANDBOX_QUALIPHY_API_KEY's default
GFE_EXAM, FILLER_EXAM, RX_EXAM, OTHER_RX_EXAM = 4226, 1822, 2769, 1486

# A fictitious patient; "Test Approve" + tele_state TE is Qualiphy's test mode.
PATIENT = {
    "first_name": "Test Approve",
    "last_name": "Rivera",
    "email": "test.approve@example.com",
    "dob": date(1990, 6, 30),
    "phone_number": "(555) 222-3232",
    "tele_state": "TE",
}


@pytest.fixture
def make_qualiphy(sandbox):
    """Clients against the running sandbox (real HTTP), closed afterwards."""
    clients = []

    def make(**options) -> QualiphyClient:
        options.setdefault("url", f"{sandbox.url}/qualiphy/api")
        options.setdefault("api_key", API_KEY)
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 3)
        client = QualiphyClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def qualiphy(make_qualiphy) -> QualiphyClient:
    return make_qualiphy()


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST (the app's endpoint stand-in)."""

    def __init__(self):
        self.received: list[dict] = []
        self.answer_status = 200
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                receiver.event.set()
                self.send_response(receiver.answer_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # noqa: A002 - stdlib signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path_key: str = "s3cret-in-the-url") -> str:
        return f"http://127.0.0.1:{self.server.server_port}/webhooks/qualiphy/{path_key}/"

    def payloads(self) -> list[dict]:
        return [json.loads(item["body"]) for item in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()
