"""One settings module, driven by environment variables.

Secure by default: DEBUG is off and DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1.
`make demo` and `make test` set what they need; production sets the rest.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    # Staff login attempts, counted and locked out after too many failures (django-axes).
    "axes",
    "integrations",
    "scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the web process: hashed names, gzip/brotli, far-future caching.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # The patient's language, from ?lang= or Accept-Language, with no cookie (common.language).
    "scheduling.common.language.PatientLanguageMiddleware",
    # A stored picker partial still valid answers at once, below here (booking.picker_cache).
    "scheduling.booking.picker_cache.StoredPickers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Error answers of the patient pages framable as those pages are (common.error_pages).
    "scheduling.common.error_pages.patient_error_pages_framable",
    # Innermost, so the page it makes gets the headers the others add (CSP, framing).
    "scheduling.common.method_page.method_not_allowed_page",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'demo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's embedded database under several web processes and a worker: readers never
    # block the writer (WAL), a writer waits for the lock instead of failing (timeout, seconds),
    # and a transaction takes the write lock when it starts, so it can't fail half-way when a
    # read would have to become a write.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str) -> dict:
    """redis://… (production), locmem:// (default), file:///path."""
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": url}
    if url.startswith("file://"):
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": url.removeprefix("file://"),
        }
    if url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(f"Unsupported CACHE_URL scheme: {url.split(':', 1)[0]}")


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}

# Celery: Redis in production; the demo uses a broker that needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
# Redis re-delivers a task whose worker died (late ack) once this many seconds have passed.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # How often a worker sweeps for such tasks (seconds × every Nth sweep scans Redis).
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The demo's broker: folders on disk, no server to run.
    _broker_dir = Path(os.environ.get("CELERY_BROKER_DIR", BASE_DIR / ".demo-broker"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker keeps the LOGGING below (the redacting handler) instead of replacing the root
# logger's handlers with its own, which would print task errors and vendor ids unredacted.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff sign in at /staff/login/ (scheduling.staff); patients never do.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username+address first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "staff:login"
AXES_FAILURE_LIMIT = int(os.environ.get("STAFF_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("STAFF_LOGIN_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its log lines name the username and address
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("DJANGO_BEHIND_PROXY") else 0
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("DJANGO_BEHIND_PROXY") else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en"
# Patient pages in English and Spanish (common.language picks one per request).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# `collectstatic` writes each file under a content-hashed name with .gz and .br beside it;
# WhiteNoise serves them with a year's Cache-Control. HTML is never compressed (see README).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# htmx comes from the npm registry at setup (`make` runs `npm ci`), never pasted into the repo.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist")]

# Production runs behind HTTPS: these default on when DEBUG is off, and each can be turned off
# for a plain-HTTP setup (the demo) or a proxy that already redirects and sets HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check, over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY") else None
)

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site only,
# nothing inline (templates load static/ files; a booking page's brand colour is its own small
# stylesheet). frame-ancestors is added per response by common.origin.embeddable, from
# BOOKING_EMBED_ORIGINS and the booking page's own embed_origins; other pages keep
# X-Frame-Options: DENY.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: only for the empty favicon in base.html
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Rate limits (django-ratelimit, counted in the default cache): "<count>/<period>", where the
# period is s, m, h or d with an optional multiplier ("20/10m"). Every web process shares the
# counts only through a shared cache: production sets CACHE_URL=redis://… . The keys let many
# patients behind one clinic NAT use the site normally: only *misses* (unknown manage tokens,
# booking references, webhook secrets) are counted per IP, since valid links are clicked, not
# typed; what a valid link opens is counted per link.
RATE_LIMITS = {
    # Hold, details and confirm posts, per client IP (each may call Healthie).
    "booking_posts": os.environ.get("RATE_LIMIT_BOOKING_POSTS", "60/m"),
    # Unknown manage tokens, confirmation references and webhook secrets, per client IP.
    "link_misses": os.environ.get("RATE_LIMIT_LINK_MISSES", "20/10m"),
    # Every page and post under one manage link (the manage page reads Healthie), per link.
    "manage_link": os.environ.get("RATE_LIMIT_MANAGE_LINK", "60/m"),
    # Confirmation page, its .ics and its polled links, per booking (htmx polls every 2 s).
    "confirmation": os.environ.get("RATE_LIMIT_CONFIRMATION", "120/m"),
    # The questionnaire link, per booking: each click mints a Semble integration token.
    "questionnaire": os.environ.get("RATE_LIMIT_QUESTIONNAIRE", "10/h"),
}
# Behind a proxy, the header holding the client's address (its last entry is the one the proxy
# saw), e.g. X-Forwarded-For; empty: the connection's address (REMOTE_ADDR).
RATE_LIMIT_CLIENT_IP_HEADER = os.environ.get("RATE_LIMIT_CLIENT_IP_HEADER", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "integrations.redaction.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs every URL at INFO; URLs can carry vendor ids and tokens.
        **{name: {"level": "WARNING"} for name in ("httpx", "httpcore")},
        # Django's own handlers (its console when DEBUG, the admins' e-mail, runserver's
        # request lines) would write request paths, manage tokens included, unredacted:
        # their records go through the root's redacting handler only.
        **{name: {"handlers": [], "propagate": True} for name in ("django", "django.server")},
    },
}

# The app's public base URL, for links vendors call back (Qualiphy's webhook).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Booking flow ---------------------------------------------------------------------------------
BOOKING_HOLD_MINUTES = int(os.environ.get("BOOKING_HOLD_MINUTES", "5"))
BOOKING_AVAILABILITY_CACHE_SECONDS = int(os.environ.get("BOOKING_AVAILABILITY_CACHE_SECONDS", "60"))
BOOKING_FORM_TOKEN_MAX_AGE = int(os.environ.get("BOOKING_FORM_TOKEN_MAX_AGE", "1800"))
# Clinic sites (scheme://host[:port]) allowed to frame /book/ and post to it (every page; each
# page adds its own in BookingPage.embed_origins).
BOOKING_EMBED_ORIGINS = env_list("BOOKING_EMBED_ORIGINS")
# The demo's sample clinic site that embeds the widget (`manage.py demo` sets it; the home page
# links to it when set).
DEMO_CLINIC_SITE_URL = os.environ.get("DEMO_CLINIC_SITE_URL", "")
BOOKING_DEFAULT_TIMEZONE = os.environ.get("BOOKING_DEFAULT_TIMEZONE", "America/New_York")
BOOKING_UID_DOMAIN = os.environ.get("BOOKING_UID_DOMAIN", "")  # empty: the request's host
BOOKING_SETTLE_RETRY_SECONDS = int(os.environ.get("BOOKING_SETTLE_RETRY_SECONDS", "30"))
BOOKING_SEARCH_MONTHS = int(os.environ.get("BOOKING_SEARCH_MONTHS", "3"))

# Provisioning retries: full-jitter exponential backoff from the base, capped at the max.
# A worker's lease on one part: how long a killed worker keeps others off it.
PROVISIONING_LEASE_SECONDS = int(os.environ.get("PROVISIONING_LEASE_SECONDS", "120"))
PROVISIONING_MAX_RETRIES = int(os.environ.get("PROVISIONING_MAX_RETRIES", "12"))
PROVISIONING_RETRY_BASE_SECONDS = float(os.environ.get("PROVISIONING_RETRY_BASE_SECONDS", "5"))
PROVISIONING_RETRY_MAX_SECONDS = float(os.environ.get("PROVISIONING_RETRY_MAX_SECONDS", "600"))

CELERY_BEAT_SCHEDULE = {
    # Bookings whose Healthie outcome is unknown, or left pending when the broker was down.
    "settle-unknown-bookings": {
        "task": "scheduling.booking.tasks.settle_unknown_bookings",
        "schedule": 120.0,
    },
    # Reschedules and cancels whose answer was lost (the manage page also settles them).
    "settle-unknown-changes": {
        "task": "scheduling.manage.tasks.settle_unknown_changes",
        "schedule": 120.0,
    },
    # Provisioning parts whose task was never queued (the broker was down at the time).
    "requeue-stalled-provisions": {
        "task": "scheduling.provisioning.tasks.requeue_stalled_provisions",
        # With the lease (120 s), a part a dead worker held is taken again within 3 minutes.
        "schedule": 60.0,
    },
    # Changes made in Healthie whose webhook never arrived (sync.services.reconcile).
    "reconcile-healthie": {
        "task": "scheduling.sync.tasks.reconcile_healthie",
        "schedule": float(os.environ.get("HEALTHIE_RECONCILE_SECONDS", "300")),
    },
}

# --- Vendors -----------------------------------------------------------------------------------
# Each vendor is an URL and a key. The defaults point at the sandbox server (`manage.py sandbox`);
# production points them at the real vendors.
SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/")

# The staff key the sandbox accepts for Healthie, and the client's key while it talks to it.
SANDBOX_HEALTHIE_API_KEY = os.environ.get("SANDBOX_HEALTHIE_API_KEY", "gh_sbox_demo_staff_key")

HEALTHIE_API_URL = os.environ.get("HEALTHIE_API_URL", f"{SANDBOX_URL}/healthie/graphql")
# 2026-07-01 is the oldest version Healthie still serves after the 2027-01-31 cut-off.
HEALTHIE_API_KEY = os.environ.get("HEALTHIE_API_KEY", SANDBOX_HEALTHIE_API_KEY)
HEALTHIE_API_VERSION = os.environ.get("HEALTHIE_API_VERSION", "2026-07-01")
HEALTHIE_AUTHORIZATION_SHARD = os.environ.get("HEALTHIE_AUTHORIZATION_SHARD", "")
HEALTHIE_TIMEOUT_SECONDS = float(os.environ.get("HEALTHIE_TIMEOUT_SECONDS", "10"))
HEALTHIE_MAX_RETRIES = int(os.environ.get("HEALTHIE_MAX_RETRIES", "3"))
# Requests per second for the whole deployment (every process shares the budget through the
# cache): below Healthie's per-key limit (250/s documented; "dynamic" today).
HEALTHIE_RATE_LIMIT_PER_SECOND = int(os.environ.get("HEALTHIE_RATE_LIMIT_PER_SECOND", "200"))
# Healthie's webhook (POST /webhooks/healthie/): the signature secret of a webhook registered by
# hand or by the demo; `manage.py healthie_webhook` stores the secret of the one it registers.
HEALTHIE_WEBHOOK_SECRET = os.environ.get("HEALTHIE_WEBHOOK_SECRET", "")
HEALTHIE_EVENT_RETRY_BASE_SECONDS = float(os.environ.get("HEALTHIE_EVENT_RETRY_BASE_SECONDS", "5"))
# Reconciliation: this many days back (downtime) to this many weeks ahead, at most this many
# pages of 50 appointments per run.
HEALTHIE_RECONCILE_DAYS_BACK = int(os.environ.get("HEALTHIE_RECONCILE_DAYS_BACK", "2"))
HEALTHIE_RECONCILE_WEEKS_AHEAD = int(os.environ.get("HEALTHIE_RECONCILE_WEEKS_AHEAD", "6"))
HEALTHIE_RECONCILE_MAX_PAGES = int(os.environ.get("HEALTHIE_RECONCILE_MAX_PAGES", "20"))

# BetterPT video rooms: OAuth client credentials, token cached until it expires.
SANDBOX_BETTERPT_CLIENT_ID = os.environ.get("SANDBOX_BETTERPT_CLIENT_ID", "sandbox-betterpt-client")
SANDBOX_BETTERPT_CLIENT_SECRET = os.environ.get(
    "SANDBOX_BETTERPT_CLIENT_SECRET", "sandbox-betterpt-secret"
)
BETTERPT_API_URL = os.environ.get("BETTERPT_API_URL", f"{SANDBOX_URL}/betterpt/graphql")
BETTERPT_TOKEN_URL = os.environ.get("BETTERPT_TOKEN_URL", f"{SANDBOX_URL}/betterpt/oauth/token")
BETTERPT_AUDIENCE = os.environ.get("BETTERPT_AUDIENCE", "https://api.betterpt.com")
BETTERPT_CLIENT_ID = os.environ.get("BETTERPT_CLIENT_ID", SANDBOX_BETTERPT_CLIENT_ID)
BETTERPT_CLIENT_SECRET = os.environ.get("BETTERPT_CLIENT_SECRET", SANDBOX_BETTERPT_CLIENT_SECRET)

# Semble questionnaires: `x-token` header; link = <host>/<questionnaire token>/<integration token>.
SANDBOX_SEMBLE_API_TOKEN = os.environ.get("SANDBOX_SEMBLE_API_TOKEN", "sandbox-semble-token")
SEMBLE_API_URL = os.environ.get("SEMBLE_API_URL", f"{SANDBOX_URL}/semble/graphql")
SEMBLE_API_TOKEN = os.environ.get("SEMBLE_API_TOKEN", SANDBOX_SEMBLE_API_TOKEN)
SEMBLE_QUESTIONNAIRE_HOST = os.environ.get(
    "SEMBLE_QUESTIONNAIRE_HOST", f"{SANDBOX_URL}/semble/questionnaire"
).rstrip("/")

# Qualiphy exam invites: `api_key` in the JSON body; its webhook carries our secret in the URL.
SANDBOX_QUALIPHY_API_KEY = os.environ.get("SANDBOX_QUALIPHY_API_KEY", "sandbox-qualiphy-key")
QUALIPHY_API_URL = os.environ.get("QUALIPHY_API_URL", f"{SANDBOX_URL}/qualiphy/api")
QUALIPHY_API_KEY = os.environ.get("QUALIPHY_API_KEY", SANDBOX_QUALIPHY_API_KEY)
QUALIPHY_WEBHOOK_SECRET = os.environ.get("QUALIPHY_WEBHOOK_SECRET", "")

# HCW@Home teleconsultations: a scheduler account; 15-minute JWTs renewed before they lapse.
SANDBOX_HCW_SCHEDULER_EMAIL = os.environ.get("SANDBOX_HCW_SCHEDULER_EMAIL", "scheduler@hcw.example")
SANDBOX_HCW_SCHEDULER_PASSWORD = os.environ.get(
    "SANDBOX_HCW_SCHEDULER_PASSWORD", "sandbox-hcw-pass"
)
HCW_API_URL = os.environ.get("HCW_API_URL", f"{SANDBOX_URL}/hcw")
HCW_SCHEDULER_EMAIL = os.environ.get("HCW_SCHEDULER_EMAIL", SANDBOX_HCW_SCHEDULER_EMAIL)
HCW_SCHEDULER_PASSWORD = os.environ.get("HCW_SCHEDULER_PASSWORD", SANDBOX_HCW_SCHEDULER_PASSWORD)
# The doctors' app of the HCW@Home backend (its DOCTOR_URL), put on the Healthie appointment.
HCW_DOCTOR_URL = os.environ.get("HCW_DOCTOR_URL", f"{HCW_API_URL.rstrip('/')}/app")

VENDOR_TIMEOUT_SECONDS = float(os.environ.get("VENDOR_TIMEOUT_SECONDS", "10"))
