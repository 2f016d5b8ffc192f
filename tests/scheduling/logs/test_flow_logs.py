"""What the logs keep of a whole patient journey (issue 13, defects 2 and 3).

A booking made through the pages (after a prefilled link), its confirmation page, calendar file
and questionnaire link, provisioning at the vendors, the manage link (a refusal, a 500, a
cancel) and Qualiphy's webhook (accepted, refused, wrong secret): every log record of the run
is written through the app's redacting handler, and every request also gets an access-log line
from gunicorn's own logger (the production server's, with the same filter). Nothing written may
contain the manage token, the confirmation reference, the webhook secret or the patient's
details.

The confirmation page's URL is treated as a secret everywhere (README, "Secrets in URLs"):
nothing logs it, and the filter masks it wherever it slips into a record.
"""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.test import Client
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from integrations.redaction import RedactingFilter
from scheduling.manage import services as manage_services
from scheduling.models import Provision
from scheduling.provisioning import services as provisioning_services
from scheduling.provisioning.tasks import provision_part
from tests.scheduling.conftest import Patient
from tests.scheduling.manage.helpers import Manager, book

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "qualiphy-url-secret-for-the-log-test"
# The production server's line, and one with the full request line (path and query string).
ACCESS_FORMATS = ['%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms', '%(h)s "%(r)s" %(s)s "%(f)s"']


class Journal:
    """Everything logged during the test, as the app's console handler writes it."""

    def __init__(self):
        self.buffer = io.StringIO()
        self.handler = logging.StreamHandler(self.buffer)
        self.handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.handler.addFilter(RedactingFilter())
        self.access = []
        for fmt in ACCESS_FORMATS:
            config = Config()
            config.set("accesslog", "-")
            config.set("access_log_format", fmt)
            server_log = GunicornLogger(config)
            server_log.access_log.addHandler(self.handler)
            self.access.append(server_log)

    def __enter__(self):
        root = logging.getLogger()
        self.level = root.level
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.level)
        for server_log in self.access:
            server_log.access_log.removeHandler(self.handler)

    def served(self, response, referer: str = "") -> None:
        """An access-log line for `response`, made by gunicorn from the request's environ."""
        environ = dict(response.wsgi_request.META)
        query = environ.get("QUERY_STRING", "")
        environ["RAW_URI"] = environ["PATH_INFO"] + (f"?{query}" if query else "")
        environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
        if referer:
            environ["HTTP_REFERER"] = referer
        resp = SimpleNamespace(
            status=f"{response.status_code} X", sent=len(response.content), headers=[]
        )
        for server_log in self.access:
            server_log.access(resp, SimpleNamespace(headers=[]), environ, timedelta(seconds=0.1))

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


def test_a_whole_journey_logs_no_token_reference_secret_or_patient_detail(
    pages, sandbox, plan, settings, monkeypatch
):
    settings.QUALIPHY_WEBHOOK_SECRET = SECRET
    patient = Patient()
    with Journal() as journal:
        # A prefilled link from the clinic's site (patient details in the query string).
        prefill = urlencode(patient.details)
        journal.served(patient.client.get(f"/book/riverside/?{prefill}"))

        booking = book(type_id="302")
        confirmation = f"/book/riverside/booked/{booking.reference}/"
        for path in (confirmation, f"{confirmation}calendar.ics", f"{confirmation}access/"):
            response = patient.client.get(path)
            assert response.status_code in (200, 286), (path, response.status_code)
            journal.served(response, referer=f"http://clinic.example{confirmation}")

        ids = provisioning_services.provisioning_start(booking_id=booking.id)
        for provision_id in ids:
            provision_part.apply(args=[provision_id])
        assert {p.status for p in Provision.objects.filter(booking=booking)} == {"ready"}
        questionnaire = patient.client.get(f"/questionnaire/{booking.reference}/")
        assert questionnaire.status_code == 302
        journal.served(questionnaire)

        manager = Manager(booking)
        journal.served(manager.page())
        journal.served(manager.get("no-such-step/"))
        wrong = patient.client.get(f"/manage/{booking.manage_token[:-2]}xx/")
        assert wrong.status_code == 404
        journal.served(wrong)
        journal.served(manager.cancel_page())
        cancelled = manager.cancel("A reason")
        journal.served(cancelled)

        # A 500 on the manage link: Django logs "Internal Server Error: <path>" and the
        # traceback, whose message here quotes the token and the reference.
        def broken(**kwargs):
            raise RuntimeError(f"refresh of {booking.reference} failed at {manager.base}")

        monkeypatch.setattr(manage_services, "booking_refresh_from_healthie", broken)
        crashed = Client(raise_request_exception=False).get(manager.base)
        assert crashed.status_code == 500
        journal.served(crashed)

        # Qualiphy: an event about an exam we never saved, echoing our reference; a body that
        # is not an event (400); a wrong secret (404).
        webhook = f"/webhooks/qualiphy/{SECRET}/"
        event = (
            '{"event": 1, "patient_exam_id": "99", "exam_id": "1", "exam_status": "Missed", '
            f'"additional_data": "{booking.reference}", "patient_email": "{booking.email}"}}'
        )
        for body, status in ((event, 200), ('{"event": 70000}', 400)):
            response = patient.client.post(webhook, body, content_type="application/json")
            assert response.status_code == status
            journal.served(response)
        wrong_secret = patient.client.post(
            "/webhooks/qualiphy/not-it/", "{}", content_type="application/json"
        )
        assert wrong_secret.status_code == 404
        journal.served(wrong_secret)

    logged = journal.text
    # The capture saw the run: Django's 500 and 4xx lines, gunicorn's lines, the app's own.
    assert "Internal Server Error: /manage/[token]/" in logged
    assert "Traceback" in logged and "RuntimeError" in logged
    # The prefilled entry: sent on to the same step with the prefill's key only (booking.prefill).
    assert '"GET /book/riverside/?[query] HTTP/1.1" 302' in logged
    assert "/book/riverside/booked/[reference]/calendar.ics" in logged
    assert "Bad Request: /webhooks/qualiphy/[secret]/" in logged

    forbidden = {
        "manage token": booking.manage_token,
        "reference": booking.reference,
        "webhook secret": SECRET,
        "first name": booking.first_name,
        "last name": booking.last_name,
        "email": booking.email,
        "email (in a query string)": booking.email.replace("@", "%40"),
        "phone": booking.phone,
        "phone digits": "".join(c for c in booking.phone if c.isdigit()),
    }
    leaks = {what: value for what, value in forbidden.items() if value in logged}
    assert leaks == {}, logged
