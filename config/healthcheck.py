"""The container's health check: `python config/healthcheck.py` exits 0 when gunicorn answers
/healthz. It asks with the site's own host name (ALLOWED_HOSTS refuses others) over plain HTTP
inside the container (/healthz is exempt from the HTTPS redirect)."""

import os
import sys
import urllib.request

port = os.environ.get("PORT", "8000")
host = (os.environ.get("DJANGO_ALLOWED_HOSTS") or "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 - fixed local URL
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
