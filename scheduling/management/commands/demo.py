"""`manage.py demo`: Redis, the sandbox server, a Celery worker (with beat) and the web app
under gunicorn, the production server, in the foreground until interrupted.

The demo runs as production does (DEBUG off, hashed static files through WhiteNoise, a cache
and broker every process shares) except for plain HTTP and an SQLite file for the database.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand

from scheduling.management.local_redis import redis_server, wait_for_port
from scheduling.models import BookingPage


def demo_secret_key(folder: Path) -> str:
    """One key per checkout, kept beside the demo's data, so signed links survive a restart."""
    path = folder / "secret-key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def staff_user_command() -> str:
    """How to create a staff login for this demo: manage.py as `make demo` runs it (DEBUG on
    for a one-off command, the same SQLite file); the password is generated and printed."""
    python = Path(sys.executable)
    venv = Path(settings.BASE_DIR) / ".venv"
    shown = ".venv/bin/python" if venv in python.parents else str(python)
    return f"DJANGO_DEBUG=1 {shown} manage.py create_staff_user frontdesk --role front-desk"


class Command(BaseCommand):
    help = "Run the demo: Redis, sandbox, Celery worker and gunicorn (Ctrl-C stops them all)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)

    def handle(self, *args, port, sandbox_port, **options):
        state = Path(settings.BASE_DIR) / ".demo"
        with redis_server(state / "redis") as redis_url:
            self.serve(port, sandbox_port, state, redis_url)

    def serve(self, port: int, sandbox_port: int, state: Path, redis_url: str) -> None:
        manage = [sys.executable, "manage.py"]
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        # Healthie's webhook secret for this run: the sandbox signs with it, the app verifies.
        webhook_secret = secrets.token_urlsafe(32)
        # The sample clinic website (integrations/sandbox/clinic_site.py) embeds the widget from
        # another site than the app's (localhost, not 127.0.0.1), as a clinic's site would.
        clinic_origin = f"http://localhost:{sandbox_port}"
        self.allow_clinic_site(clinic_origin)
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": demo_secret_key(state),
            # Plain HTTP on this machine: no HTTPS redirect, HSTS or Secure-only cookies.
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_HSTS_SECONDS": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "SANDBOX_URL": sandbox_url,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "HEALTHIE_WEBHOOK_SECRET": webhook_secret,
            "DEMO_CLINIC_SITE_URL": f"{clinic_origin}/clinic-site/",
            # One Redis for every process: the cache (availability, its invalidation and the
            # single-flight locks) and the Celery broker (a task whose worker dies is redelivered).
            "CACHE_URL": f"{redis_url}/1",
            "CELERY_BROKER_URL": f"{redis_url}/0",
            "PORT": str(port),
            "WEB_BIND": f"127.0.0.1:{port}",
        }
        worker = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-B"]
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
        processes = [
            subprocess.Popen([*manage, "sandbox", "--port", str(sandbox_port)], env=env),
            subprocess.Popen(
                [*worker, "-l", "INFO", "--schedule", str(state / "beat-schedule")], env=env
            ),
            subprocess.Popen(gunicorn, env=env),
        ]
        wait_for_port(port)
        self.deliver_webhooks(sandbox_url, sandbox_port, port, webhook_secret)
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo running: http://127.0.0.1:{port}/  (sandbox {sandbox_url})")
            + f"\nThe widget on a sample clinic site: {clinic_origin}/clinic-site/"
            + f"\nStaff console: http://127.0.0.1:{port}/staff/  (a login, in another shell:"
            + f"\n  {staff_user_command()})"
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

    def allow_clinic_site(self, origin: str) -> None:
        """Each demo booking page lists the sample clinic site among the sites allowed to frame
        it (BookingPage.embed_origins, as staff set it for a real clinic's site)."""
        for page in BookingPage.objects.filter(is_active=True):
            listed = page.embed_origins if isinstance(page.embed_origins, list) else []
            if origin not in listed:
                page.embed_origins = [*listed, origin]
                page.save(update_fields=["embed_origins", "updated_at"])
        self.stdout.write(f"Sample clinic site allowed to embed the booking pages: {origin}")

    def deliver_webhooks(self, sandbox_url: str, sandbox_port: int, port: int, secret: str):
        """Point the Healthie sandbox's signed webhooks at this app: a change made there with
        the staff key (moving or cancelling an appointment) reaches the app within seconds."""
        url = f"http://127.0.0.1:{port}/webhooks/healthie/"
        try:
            if not wait_for_port(sandbox_port):
                raise OSError("the sandbox is not listening")
            response = httpx.post(
                f"{sandbox_url}/_sandbox/config/healthie",
                json={"webhook_url": url, "webhook_secret": secret},
                timeout=10,
            )
            response.raise_for_status()
        except (OSError, httpx.HTTPError) as exc:
            self.stderr.write(f"Healthie webhooks not configured ({exc}); reconciliation runs.")
            return
        self.stdout.write(f"Healthie sandbox webhooks -> {url}")
