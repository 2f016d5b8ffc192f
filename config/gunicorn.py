"""Gunicorn, the production server (and the demo's): `gunicorn -c config/gunicorn.py`.

Every value can be set from the environment (gunicorn's own GUNICORN_CMD_ARGS works too).
Threads rather than many processes: a patient's request mostly waits on Healthie, and threads of
one worker share its pooled HTTP connections.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("WEB_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")

# One process per core, sixteen threads each (gthread): 2 x 16 on a 2-core machine. Threads
# cover the waits on Healthie; fewer processes means each keeps more stored pickers in memory
# (booking.picker_cache) and fewer compete for the cores: in bench/load_bench.py, warm views
# at 89% of /healthz's rate against 80% with 4 x 8, the same 32 requests at once.
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "16"))
# Connections the kernel queues while every thread is busy: a burst of patients waits for a
# thread instead of being refused.
backlog = int(os.environ.get("WEB_BACKLOG", "2048"))

# A request that takes longer than this is stuck (Healthie's own timeout is 10 s, with retries).
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On restart or SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
# Idle keep-alive connections cost a socket, not a thread (gthread polls them). Longer than
# gunicorn's 5 s default: under a burst a client's next request can wait that long in the
# queue, and a connection closed under it is an error the patient sees.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "30"))
# Recycle a worker now and then, staggered, so slow leaks never accumulate.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10

# gunicorn's runtime control socket (a shared path under $HOME) is not used: signals are.
control_socket_disable = True

# Proxies in front (the compose file's, a load balancer) may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The access log: method, path without its query string (prefill and choices travel there),
# status, size and duration in ms, through the app's redacting filter (manage tokens and
# confirmation references are in paths).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "integrations.redaction.RedactingFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
