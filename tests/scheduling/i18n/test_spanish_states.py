"""Every other patient page state in Spanish: the reschedule steps (chosen with ?lang=es and
carried to the confirmation), the confirmation's other states, the manage page's, the refusals,
the lists of pages, the 503 page, and the texts that reach booking.js from the page."""

import re

import pytest
from django.test import Client

from scheduling.models import Booking
from tests.scheduling.html import Page
from tests.scheduling.i18n.test_spanish_flow import (
    SPANISH_BROWSER,
    SPANISH_CLOCK,
    SPANISH_DATE,
    assert_carries_spanish,
    assert_spanish_page,
    text,
)
from tests.scheduling.manage.helpers import Manager, book

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["accept-language", "lang"])
def spanish(request):
    """A browser asking for Spanish, or any browser on a link with ?lang=es: (client, query)."""
    if request.param == "lang":
        return Client(), {"lang": "es"}
    return Client(headers={"Accept-Language": SPANISH_BROWSER}), {}


def test_a_reschedule_in_spanish_from_the_calendar_to_the_moved_confirmation(pages, sandbox):
    booking = book()
    manager = Manager(booking)
    calendar = manager.calendar(lang="es")
    assert_spanish_page(calendar, "Elija una nueva fecha y hora", "Su cita actual", "Mantener")
    page = Page(calendar)
    assert all(SPANISH_DATE.match(b.accessible_name) for b in page.buttons(name="day"))

    day_times = manager.times_page(lang="es")
    assert_spanish_page(day_times, "Horarios del ")
    slots = page_times = Page(day_times).buttons(name="slot")
    assert page_times and all(SPANISH_CLOCK.match(b.text) for b in slots)
    action = f"{manager.base}reschedule/hold/?lang=es"
    form = Page(day_times).form(action=action).hidden_fields()
    hold = manager.client.post(
        action, {**form, "slot": slots[0].value}, HTTP_ORIGIN="http://testserver"
    )
    assert hold.status_code == 302, text(hold)[:500]
    assert_carries_spanish(hold["Location"])

    review = manager.client.get(hold["Location"])
    assert_spanish_page(review, "Confirme su nuevo horario", "Ahora", "Nuevo horario")
    assert re.search(r" a (la 1|las ([2-9]|1[02])):\d{2} (a|p)\. m\.", text(review))
    confirm_action = f"{manager.base}reschedule/confirm/?lang=es"
    token = Page(review).form(action=confirm_action).hidden_fields()
    moved = manager.client.post(confirm_action, token, HTTP_ORIGIN="http://testserver")
    assert moved.status_code == 302, text(moved)[:500]
    assert_carries_spanish(moved["Location"])
    confirmation = manager.client.get(moved["Location"])
    assert_spanish_page(confirmation, "Su nuevo horario está reservado", "Su cita se cambió.")

    history = manager.client.get(f"{manager.base}?lang=es")
    assert_spanish_page(history, "Cambios", "Cambiada del ", "por usted")


def test_the_other_confirmation_and_manage_states_in_spanish(pages, sandbox, spanish):
    browser, query = spanish
    booking = book()
    path = f"/book/riverside/booked/{booking.reference}/"

    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.PENDING)
    pending = browser.get(path, query)
    assert_spanish_page(pending, "Estamos confirmando su reserva", "Volver a comprobar")

    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.FAILED)
    failed = browser.get(path, query)
    assert_spanish_page(failed, "Esta reserva no se completó", "Elegir un horario de nuevo")
    failed_manage = browser.get(f"/manage/{booking.manage_token}/", query)
    assert_spanish_page(failed_manage, "Esta reserva no se completó", "Elegir un horario")


def test_a_refusal_in_spanish_gives_the_reason_in_spanish(pages, sandbox, spanish):
    browser, query = spanish
    booking = book()
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    refused = browser.get(f"/manage/{booking.manage_token}/reschedule/", query)
    clinic = "Please contact the clinic to reschedule this appointment."  # the sandbox's setting
    assert_spanish_page(
        refused, "No puede cambiar esta cita en línea", status=403, clinic_words=clinic
    )
    assert "Esta cita ha sido cancelada." in text(refused)
    back = Page(refused).one("link", "Volver a su cita")["href"]
    assert ("lang=es" in back) == bool(query)  # a chosen language goes on, a browser's need not


def test_the_lists_of_pages_and_the_choices_in_spanish(pages, sandbox, spanish):
    browser, query = spanish
    listing = browser.get("/book/", query)
    assert_spanish_page(listing, "Reserve una cita", "Elija dónde desea reservar.")
    providers = browser.get("/book/riverside/provider/", {"type": "302", "tz": "UTC", **query})
    assert_spanish_page(providers, "¿Con quién desea su cita?", "Primer horario disponible")


def test_booking_js_texts_come_from_the_page_in_its_language(pages, sandbox):
    spanish = Client().get("/book/?lang=es")
    body = next(e for e in Page(spanish).iter() if e.tag == "body")
    assert body["data-text-loading"] == "Cargando…"
    assert body["data-text-load-failed"].startswith("Lo sentimos")
