import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


class SandboxControl:
    """Drives the sandbox server's `/_sandbox/*` controls from tests."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def reset(self) -> None:
        self.http.post("/_sandbox/reset").raise_for_status()

    def set_clock(self, now: str | None) -> None:
        self.http.post("/_sandbox/clock", json={"now": now}).raise_for_status()

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
def sandbox(sandbox_server):
    """The sandbox, back at its demo seed, its clock real, no faults, an empty call log."""
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.reset()
