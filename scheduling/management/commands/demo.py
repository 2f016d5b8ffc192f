"""`manage.py demo`: the sandbox server and the web app, in the foreground, until interrupted."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.2)


class Command(BaseCommand):
    help = "Run the demo: sandbox server + web app (stops both on Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)

    def handle(self, *args, port, sandbox_port, **options):
        manage = [sys.executable, "manage.py"]
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        env = {**os.environ, "SANDBOX_URL": sandbox_url, "DJANGO_DEBUG": "1"}
        processes = [
            subprocess.Popen([*manage, "sandbox", "--port", str(sandbox_port)], env=env),
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
        failed = [p.args[2] for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stop:
            raise SystemExit(f"demo stopped: {', '.join(failed)} exited")
