"""A whole booking, its confirmation, .ics and manage link in Spanish, through the real views
against the sandbox: chosen with ?lang=es (carried by every link, form and redirect, no cookie)
or asked for by the browser (Accept-Language), with dates and times in Spanish."""

import html
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from scheduling.models import Booking
from tests.scheduling.conftest import ORIGIN, Patient, days_ahead, open_days, times
from tests.scheduling.html import Page

pytestmark = pytest.mark.django_db(transaction=True)

SPANISH_DATE = re.compile(
    r"^(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de "
    r"(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
    r" de \d{4}$"
)
SPANISH_CLOCK = re.compile(r"^\d{1,2}:\d{2} (a\. m\.|p\. m\.)$")
# English words that must not be left in the main text of a Spanish page.
ENGLISH_LEFTOVERS = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    r"June|July|August|September|October|November|December|AM|PM|Choose|Your|Confirm|"
    r"appointment|Loading|Change|Times)\b"
)
SPANISH_BROWSER = "es-MX,es;q=0.9,en;q=0.5"


def text(response) -> str:
    return html.unescape(response.content.decode())


def main_text(response) -> str:
    """The page's main content as read, without tags (names of types and providers are the
    clinic's own and stay as Healthie has them)."""
    main = text(response).split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def lang_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("lang", [""])[0]


def assert_spanish_page(response, *expected: str, status: int = 200, clinic_words: str = ""):
    """Spanish throughout, but for `clinic_words`: the clinic's own text from Healthie."""
    content = text(response)
    assert response.status_code == status, content[:800]
    assert '<html lang="es">' in content
    for phrase in expected:
        assert phrase in content, phrase
    main = main_text(response).replace("Healthie", "").replace("Video Follow-up", "")
    leftovers = ENGLISH_LEFTOVERS.findall(main.replace(clinic_words, "") if clinic_words else main)
    assert not leftovers, leftovers
    assert "Accept-Language" in response["Vary"]
    assert response["Content-Language"] == "es"
    assert not response.cookies, response.cookies  # nothing set: the embed has no cookies


def assert_carries_spanish(url: str):
    assert lang_of(url) == "es", url


def test_a_booking_chosen_in_spanish_stays_in_spanish_to_the_ics_and_the_manage_page(
    pages, sandbox
):
    patient = Patient(client=Client())
    params = {**patient.flow_params(type_id="302"), "lang": "es"}
    earliest = days_ahead(4).isoformat()

    calendar = patient.get("/book/riverside/calendar/", params)
    assert_spanish_page(calendar, "Elija fecha y hora", "Los horarios se muestran en")
    page = Page(calendar)
    assert page.one("columnheader", "lun")
    labels = [b.accessible_name for b in page.buttons(name="day")]
    assert labels and all(SPANISH_DATE.match(label) for label in labels), labels[:3]
    # The day form, the months' links and the zone switcher keep the language.
    assert page.form(action="/book/riverside/times/").hidden_fields()["lang"] == "es"
    assert_carries_spanish(page.one("link", re.compile(r"^Mes siguiente"))["href"])
    month = calendar.wsgi_request.GET.get("month")
    days = [d for d in open_days(calendar.content.decode()) if d >= earliest]
    if not days:  # the first open days are too soon: the next month's
        following = patient.client.get(page.one("link", re.compile(r"^Mes siguiente"))["href"])
        assert_spanish_page(following)
        days = [d for d in open_days(following.content.decode()) if d >= earliest]
    assert days, month

    day_times = patient.get("/book/riverside/times/", {**params, "day": days[0]})
    assert_spanish_page(day_times, "Horarios del ", "Al elegir un horario")
    slots = times(day_times.content.decode())
    assert slots and all(SPANISH_CLOCK.match(label) for _, label in slots), slots[:3]
    assert any(h.text in ("Mañana", "Tarde", "Noche") for h in Page(day_times).headings(level=3))

    hold_form = Page(day_times).form(action="/book/riverside/hold/?lang=es")
    hold = patient.post(
        "/book/riverside/hold/?lang=es", {**hold_form.hidden_fields(), "slot": slots[0][0]}
    )
    assert hold.status_code == 302, text(hold)[:500]
    assert "/details/" in hold["Location"]
    assert_carries_spanish(hold["Location"])

    details = patient.client.get(hold["Location"])
    assert_spanish_page(details, "Sus datos", "Todos los campos son obligatorios.", "Nombre")
    details_action = "/book/riverside/details/?lang=es"
    token = Page(details).form(action=details_action).hidden_fields()["details_token"]
    # Field errors in Spanish, on the form shown again (a post: the switch re-posts it).
    empty = patient.post(details_action, {"details_token": token})
    assert_spanish_page(empty, "Revise sus datos", "Escriba su nombre.", status=422)
    assert Page(empty).one("button", "English")["formaction"].endswith("?lang=en")

    review = patient.post(details_action, {"details_token": token, **patient.details})
    assert_spanish_page(review, "Revise y confirme", "Confirmar reserva", "Cambiar datos")
    confirm_token = Page(review).form(action="/book/riverside/confirm/?lang=es").hidden_fields()
    booked = patient.post("/book/riverside/confirm/?lang=es", confirm_token)
    assert booked.status_code == 302, text(booked)[:500]
    assert "/booked/" in booked["Location"]
    assert_carries_spanish(booked["Location"])

    confirmation = patient.client.get(booked["Location"])
    booking = Booking.objects.get(reference=urlsplit(booked["Location"]).path.split("/")[-2])
    local = booking.start.astimezone(ZoneInfo(booking.patient_timezone))
    assert_spanish_page(confirmation, "Su cita está reservada", "Qué sigue", "Es una videoconsulta")
    lead = next(e.text for e in Page(confirmation).iter() if "lead" in e.get("class", ""))
    article = "la" if local.hour % 12 == 1 else "las"  # "a la 1:05", "a las 2:05"
    assert f" a {article} {local.hour % 12 or 12}:" in lead, lead
    assert re.search(r"\d{1,2}:\d{2} (a|p)\. m\.", lead), lead
    weekday = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    assert weekday[local.weekday()] in lead, lead

    ics_link = Page(confirmation).one("link", "Descargar archivo de calendario (.ics)")["href"]
    assert_carries_spanish(ics_link)
    ics = patient.client.get(ics_link)
    assert ics.status_code == 200
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["summary"]) == f"{booking.appointment_type_name} con {booking.provider_name}"
    description = str(event["description"])
    assert "Videollamada." in description and f"Referencia: {booking.reference}" in description
    assert "Cambiar o cancelar: http://testserver/manage/" in description
    assert lang_of(str(event["url"])) == "es"
    google = Page(confirmation).one("link", re.compile(r"^Agregar a Google Calendar"))["href"]
    assert "con" in parse_qs(urlsplit(google).query)["text"][0].split()

    manage_link = Page(confirmation).one("link", "Cambiar o cancelar")["href"]
    assert_carries_spanish(manage_link)
    manage = patient.client.get(manage_link)
    assert_spanish_page(manage, "Su cita", "Cambiar su cita", "Ver confirmación")
    assert_carries_spanish(Page(manage).one("link", "Cambiar fecha u hora")["href"])

    cancel_link = Page(manage).one("link", "Cancelar la cita")["href"]
    assert_carries_spanish(cancel_link)
    cancel_page = patient.client.get(cancel_link)
    assert_spanish_page(cancel_page, "¿Cancelar su cita?", "Motivo (opcional)")
    action = f"/manage/{booking.manage_token}/cancel/?lang=es"
    cancel_form = Page(cancel_page).form(action=action).hidden_fields()
    cancelled = patient.post(action, cancel_form)
    assert cancelled.status_code == 302, text(cancelled)[:500]
    assert_carries_spanish(cancelled["Location"])
    after = patient.client.get(cancelled["Location"])
    assert_spanish_page(after, "Su cita está cancelada", "La cancelamos y avisamos a la clínica.")


def test_a_spanish_browser_gets_every_step_in_spanish_without_a_language_in_the_urls(
    pages, sandbox
):
    patient = Patient(client=Client(headers={"Accept-Language": SPANISH_BROWSER}))
    start = patient.get("/book/riverside/", {"tz": patient.tz})
    assert_spanish_page(start, "¿Qué desea reservar?")
    contact = patient.get("/book/riverside/contact/", {"type": "301", "tz": patient.tz})
    assert_spanish_page(contact, "¿Cómo prefiere la consulta?", "Videollamada", "En persona")

    # Days ahead, so no notice window refuses a change with the clinic's own (English) words.
    day = patient.open_days_from(days_ahead(4), type_id="302")[0]
    day_times = patient.times_page(day, type_id="302")
    assert_spanish_page(day_times, "Horarios del ")
    hold, _ = patient.hold(day_times, None)
    assert lang_of(hold["Location"]) == ""  # the browser asks each time: nothing to carry
    details = patient.details_page(hold)
    assert_spanish_page(details, "Sus datos")
    review = patient.submit_details(details)
    assert_spanish_page(review, "Revise y confirme")
    booked = patient.confirm(review)
    assert booked.status_code == 302 and lang_of(booked["Location"]) == ""
    confirmation = patient.client.get(booked["Location"])
    assert_spanish_page(confirmation, "Su cita está reservada")
    booking = Booking.objects.get(reference=urlsplit(booked["Location"]).path.split("/")[-2])
    manage = patient.client.get(f"/manage/{booking.manage_token}/")
    assert_spanish_page(manage, "Su cita", "Cambiar su cita")

    # The same pages for a browser with no preference: English, as before.
    english = Client().get(booked["Location"])
    assert '<html lang="en">' in text(english) and "You're booked" in text(english)
    assert "Accept-Language" in english["Vary"]


def test_the_switch_on_a_page_chooses_the_other_language_at_the_same_place(pages, sandbox):
    browser = Client(headers={"Accept-Language": SPANISH_BROWSER})
    path = "/book/riverside/calendar/"
    query = "type=302&contact=Healthie+Video+Call&provider=101&tz=America%2FNew_York"
    spanish = browser.get(f"{path}?{query}")
    assert_spanish_page(spanish)
    switch = next(e for e in Page(spanish).iter() if e.tag == "nav")
    assert switch["aria-label"] == "Idioma"
    english_link = Page(spanish).one("link", "English")
    assert english_link["hreflang"] == "en" and english_link["lang"] == "en"
    assert Page(spanish).one("link", "Español")["aria-current"] == "true"
    # Relative: this page, its state kept, in English (chosen, so it beats the browser's).
    assert english_link["href"].startswith("?") and lang_of(english_link["href"]) == "en"
    assert parse_qs(english_link["href"][1:])["type"] == ["302"]
    english = browser.get(f"{path}{english_link['href']}")
    content = text(english)
    assert english.status_code == 200
    assert '<html lang="en">' in content and "Choose a date and time" in content
    # The chosen English goes on in the step links, over the Spanish browser.
    assert lang_of(Page(english).one("link", re.compile(r"^Next month"))["href"]) == "en"


@pytest.mark.parametrize("value", ["fr", "", "ES-es<script>"])
def test_an_unknown_language_is_ignored_and_not_carried(pages, sandbox, value):
    response = Client().get("/book/riverside/", {"lang": value})
    content = text(response)
    assert response.status_code == 200
    assert '<html lang="en">' in content and "What would you like to book?" in content
    assert "lang=fr" not in content and "<script>" not in content


def test_htmx_requests_take_the_language_of_the_page_they_come_from(pages, sandbox):
    page_url = "http://testserver/book/riverside/calendar/?type=302&provider=101&lang=es"
    response = Client().get(
        "/book/riverside/calendar/",
        {"type": "302", "contact": "Healthie Video Call", "provider": "101", "tz": "UTC"},
        headers={"HX-Request": "true", "HX-Current-URL": page_url},
    )
    content = text(response)
    assert response.status_code == 200
    assert "Mes siguiente" in content and "Next month" not in content


def test_problem_and_error_pages_in_spanish(pages, sandbox):
    spanish = Client(headers={"Accept-Language": SPANISH_BROWSER})
    tampered = spanish.post(
        "/book/riverside/confirm/", {"confirm_token": "nonsense"}, headers={"Origin": ORIGIN}
    )
    assert_spanish_page(tampered, "Algo salió mal con este formulario", status=400)

    missing = Client().get("/manage/not-a-real-token/?lang=es")
    assert_spanish_page(missing, "Página no encontrada", status=404)
    assert "not-a-real-token" not in text(missing)  # the switch repeats no path
    assert Page(missing).one("link", "English")["href"] == "?lang=en"

    wrong_method = spanish.get("/book/riverside/hold/")
    assert_spanish_page(wrong_method, "Esta página no se puede usar de esa forma", status=405)
