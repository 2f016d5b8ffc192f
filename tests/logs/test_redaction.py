"""The redaction filter on the records the app, Django and the production server's access log
write: manage tokens, confirmation references, webhook secrets, query strings and patient
details never come out of a handler that carries it."""

import io
import logging
import os
import subprocess
import sys
import textwrap

import pytest

from integrations.redaction import RedactingFilter, redact
from scheduling.models.booking import new_manage_token, new_reference

TOKEN = new_manage_token()
REFERENCE = new_reference()
QUALIPHY_SECRET = "qualiphy-url-secret-1234"


@pytest.fixture
def captured(settings):
    """A handler like the console one (the `redact` filter on it), writing to a buffer."""
    settings.QUALIPHY_WEBHOOK_SECRET = QUALIPHY_SECRET
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.logs.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, buffer
    logger.removeHandler(handler)
    logger.propagate = True


def test_django_request_lines_lose_the_token_reference_and_secret(captured):
    logger, buffer = captured
    # django.request's own calls: log_response(f"{reason}: %s", path)
    logger.error("Internal Server Error: %s", f"/manage/{TOKEN}/reschedule/")
    logger.warning("Not Found: %s", f"/book/riverside/booked/{REFERENCE}/calendar.ics")
    logger.warning("Bad Request: %s", f"/webhooks/qualiphy/{QUALIPHY_SECRET}/")
    logger.warning("Not Found: %s", f"/questionnaire/{REFERENCE}/")
    logger.warning("Forbidden: %s", "/webhooks/healthie/some-other-path-secret/")
    out = buffer.getvalue()
    for secret in (TOKEN, REFERENCE, QUALIPHY_SECRET, "some-other-path-secret"):
        assert secret not in out
    assert "Internal Server Error: /manage/[token]/reschedule/" in out
    assert "/book/riverside/booked/[reference]/calendar.ics" in out
    assert "/webhooks/qualiphy/[secret]/" in out


def test_access_log_records_with_a_mapping_of_atoms_are_redacted(captured):
    """gunicorn's access log: `access_log.info(access_log_format, atoms)` with a dict."""
    logger, buffer = captured
    atoms = {
        "h": "203.0.113.9",
        "r": f"GET /manage/{TOKEN}/?x=1 HTTP/1.1",
        "s": "200",
        "f": f"https://clinic.example/book/riverside/booked/{REFERENCE}/",
        "a": "Mozilla/5.0",
        "U": "/book/riverside/details/?first_name=Ada&email=ada%40example.com&phone=5551234567",
        "q": "first_name=Ada&last_name=Lovelace",
    }
    logger.info('%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s" %(U)s?%(q)s', atoms)
    out = buffer.getvalue()
    for leaked in (TOKEN, REFERENCE, "Ada", "Lovelace", "ada%40example.com", "5551234567"):
        assert leaked not in out, out
    assert '"GET /manage/[token]/?[query] HTTP/1.1" 200' in out
    assert "/book/riverside/details/?[query]" in out


def test_bare_values_and_patient_details_are_masked(captured):
    logger, buffer = captured
    logger.info("ref %s token %s", REFERENCE, TOKEN)
    logger.info(
        'payload {"email": "grace@example.com", "dob": "1990-05-17", "phone": "555-123-4567"}'
    )
    logger.info("GET https://api.example/x?api_key=abc123&email=a%40b.c")
    out = buffer.getvalue()
    for leaked in (REFERENCE, TOKEN, "grace@example.com", "1990-05-17", "555-123-4567", "abc123"):
        assert leaked not in out, out
    assert "https://api.example/x?[query]" in out


def test_exception_text_and_stack_are_redacted(captured):
    logger, buffer = captured
    try:
        raise ValueError(f"no booking for /manage/{TOKEN}/ ({REFERENCE})")
    except ValueError:
        logger.exception("Internal Server Error: %s", f"/manage/{TOKEN}/")
    logger.info("where", stack_info=True, extra={})
    out = buffer.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert TOKEN not in out and REFERENCE not in out


def test_a_record_whose_args_do_not_fit_still_comes_out_masked(captured):
    logger, buffer = captured
    logger.info("two %s %s", f"/manage/{TOKEN}/")  # one arg short: logging would print an error
    out = buffer.getvalue()
    assert "/manage/[token]/" in out and TOKEN not in out


def test_redact_leaves_ordinary_lines_alone():
    line = "provision 12 (betterpt_room) ready; betterpt createPartnerVideoRoom ok in 35 ms"
    assert redact(line) == line


def test_every_handler_the_app_logs_through_redacts():
    """Django's own handlers (its console when DEBUG, the admins' e-mail, runserver's lines)
    would print request paths unredacted: the settings leave only the root's handler, which
    carries the filter."""
    # pytest's capture, and handlers that write nowhere.
    silent = ("LogCaptureHandler", "_LiveLoggingNullHandler", "_FileHandler", "NullHandler")
    names = ["", "django", "django.request", "django.server", "django.security", "celery"]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if type(handler).__name__ in silent:
                continue
            assert any(isinstance(f, RedactingFilter) for f in handler.filters), (name, handler)
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django.server").handlers == []


def test_a_celery_worker_keeps_the_redacting_handler():
    """A worker sets its logging up when it starts: it must not swap the root's redacting
    handler for its own (run in a fresh interpreter: logging is process-wide)."""
    script = textwrap.dedent(
        f"""
        import logging, django
        django.setup()
        from config.celery import app
        app.log.setup_logging_subsystem(loglevel="INFO")
        log = logging.getLogger("celery.app.trace")
        log.error("Task failed for /manage/{TOKEN}/ ({REFERENCE})")
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    written = done.stdout + done.stderr
    assert "Task failed for /manage/[token]/ ([reference])" in written
    assert TOKEN not in written and REFERENCE not in written
