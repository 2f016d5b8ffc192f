"""The app under its production server: gunicorn with config/gunicorn.py, as `make demo` runs it
(DEBUG off, static files collected, a Redis cache every worker shares, SQLite in WAL mode), on
the test's pinned clock and the session's sandbox."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from scheduling.management.local_redis import free_port, wait_for_port
from tests.clock import OFFSET_ENV, offset_from_real_clock
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory) -> Path:
    """A migrated, seeded SQLite file; each server gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "seeded.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    for command in (["migrate"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True
        )
    return path


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **options)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def production_server(sandbox, seeded_sqlite, tmp_path):
    with serving(sandbox, seeded_sqlite, tmp_path, DJANGO_SSL_REDIRECT="0") as server:
        yield server


@contextlib.contextmanager
def serving(sandbox, seeded_sqlite: Path, tmp_path: Path, **settings) -> Iterator[Server]:
    """gunicorn on a copy of the seeded database, with `settings` (environment variables)."""
    if "REDIS_URL" not in os.environ:
        pytest.fail("run through `python -m tests.services` (it starts Redis)")
    cache_url = f"{os.environ['REDIS_URL']}/5"
    redis.Redis.from_url(cache_url).flushdb()
    database = tmp_path / "app.sqlite3"
    shutil.copy(seeded_sqlite, database)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "0",
        "CACHE_URL": cache_url,
        "SANDBOX_URL": sandbox.url,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "3",
        OFFSET_ENV: str(offset_from_real_clock().total_seconds()),
        **settings,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name in ("DJANGO_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_HSTS_SECONDS"):
        if name not in settings:  # production's defaults, not the test run's plain HTTP
            env.pop(name, None)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.clock", "gunicorn", "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        assert wait_for_port(port, 30), server.log()
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
