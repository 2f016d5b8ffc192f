import logging

import pytest
from django.db import connection

from integrations import notices
from integrations.models import VendorNotice


@pytest.mark.django_db
def test_a_vendor_warning_is_logged_once_and_kept_with_a_count(caplog, monkeypatch):
    monkeypatch.setattr(notices, "_logged", set())
    with caplog.at_level(logging.WARNING, logger="integrations.notices"):
        for _ in range(3):
            notices.record_vendor_warning(
                vendor="healthie", code="API_VERSION_SUNSET_WARNING", message="sunset 2027-01-31"
            )
    assert len(caplog.records) == 1
    notice = VendorNotice.objects.get(vendor="healthie", code="API_VERSION_SUNSET_WARNING")
    assert (notice.times_seen, notice.message) == (3, "sunset 2027-01-31")


def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"
