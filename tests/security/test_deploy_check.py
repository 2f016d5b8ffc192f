"""`manage.py check --deploy` is clean with production settings (issue 13, defect 11): nothing
in the CSP, rate-limit or no-store settings adds a warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the test run sets for its plain-HTTP live servers, and the demo's switch: not production.
NOT_PRODUCTION = {
    "DJANGO_DEBUG",
    "DJANGO_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_HSTS_SECONDS",
}


def test_the_deploy_check_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in NOT_PRODUCTION}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="book.clinic.example",
        CACHE_URL="redis://cache.internal:6379/1",  # shared rate-limit counts (not connected)
        DJANGO_HSTS_PRELOAD="1",  # the one opt-in: a site joins the preload list on purpose
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
