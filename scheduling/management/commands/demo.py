"""`manage.py demo`: the sandbox server, a Celery worker and the web app, in the foreground,
until interrupted."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.2)


class Command(BaseCommand):
    help = "Run the demo: sandbox server, Celery worker and web app (Ctrl-C stops all three)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)

    def handle(self, *args, port, sandbox_port, **options):
        manage = [sys.executable, "manage.py"]
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        broker_dir = Path(settings.BASE_DIR) / ".demo-broker"
        for folder in ("queue", "processed", "control"):
            (broker_dir / folder).mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "SANDBOX_URL": sandbox_url,
            "SITE_URL": f"http://127.0.0.1:{port}",
            # A real Celery worker on a broker that needs no server: folders on disk.
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(broker_dir),
        }
        worker = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-B"]
        processes = [
            subprocess.Popen([*manage, "sandbox", "--port", str(sandbox_port)], env=env),
            subprocess.Popen(
                [*worker, "-l", "INFO", "--schedule", str(broker_dir / "beat-schedule")], env=env
            ),
            subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env),
        ]
        wait_for_port(port)
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo running: http://127.0.0.1:{port}/  (sandbox {sandbox_url})")
            + "\nPress Ctrl-C to stop.\n"
        )
        stop = False

        def request_stop(*_):
            nonlocal stop
            stop = True

        # Explicit handlers: a shell that starts us in the background ignores SIGINT otherwise.
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            while not stop and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [
            " ".join(map(str, p.args[1:4]))
            for p in processes
            if p.returncode not in (0, -signal.SIGTERM, None)
        ]
        if failed and not stop:
            raise SystemExit(f"demo stopped: {', '.join(failed)} exited")
