"""Healthie answering something we cannot read (a truncated body, a non-GraphQL 404) is treated
like Healthie being unreachable: the manage page says it could not check, the reschedule steps
show the "can't load right now" page; never a 500, and nothing is written."""

import httpx
import pytest
import respx
from django.conf import settings

from scheduling.models import Booking
from tests.scheduling.manage.helpers import Manager, book, text

pytestmark = pytest.mark.django_db

COULD_NOT_CHECK = "We couldn't check with the clinic just now"


@pytest.mark.parametrize("operation", ["appointment", "appointmentSetting"])
def test_a_malformed_answer_on_the_manage_page_is_the_could_not_check_notice(
    pages, sandbox, operation
):
    booking = book()
    sandbox.fault("healthie", "malformed", operation=operation, count=None)
    response = Manager(booking).page()
    assert response.status_code == 200
    assert COULD_NOT_CHECK in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and not booking.changes.exists()


def test_a_non_graphql_404_from_healthie_is_the_could_not_check_notice(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    with respx.mock(assert_all_called=True) as mock:
        mock.post(settings.HEALTHIE_API_URL).mock(
            return_value=httpx.Response(404, text="<html>Not Found</html>")
        )
        response = manager.page()
    assert response.status_code == 200
    assert COULD_NOT_CHECK in text(response)


def test_a_malformed_answer_in_the_reschedule_steps_is_the_unavailable_page(pages, sandbox):
    booking = book()
    sandbox.fault("healthie", "malformed", operation="daysAvailableForRange", count=None)
    response = Manager(booking).calendar()
    assert response.status_code == 503
    assert "We can't load times right now" in text(response)
