"""Booking pages and plans: providers and appointment types are picked by name from Healthie's
lists (the sandbox over HTTP), the picked ids are saved, a page shows its public link, embed code
and allowed embed origins, and bad origins or exam ids are refused with field errors."""

import pytest
from django.conf import settings

from scheduling.models import AppointmentTypePlan, BookingPage
from tests.scheduling.html import Page


@pytest.fixture
def riverside(demo_pages, sandbox) -> BookingPage:
    return BookingPage.objects.get(slug="riverside")


def choices(page: Page, name: str) -> dict[str, str]:
    """value -> label of the checkboxes (or options of the select) named `name`."""
    found = {}
    for element in page.iter():
        if element.tag == "input" and element.get("name") == name:
            found[element["value"]] = page.label_for(element).text
        if element.tag == "select" and element.get("name") == name:
            found.update({o.get("value"): o.text for o in element.iter() if o.tag == "option"})
    return found


def checked(page: Page, name: str) -> list[str]:
    return [
        e["value"]
        for e in page.iter()
        if e.tag == "input" and e.get("name") == name and "checked" in e.attrs
    ]


def page_form(page: BookingPage, **overrides) -> dict:
    return {
        "title": page.title,
        "slug": page.slug,
        "intro": page.intro,
        "org_level": "on" if page.org_level else "",
        "provider_id": page.provider_id,
        "provider_ids": page.provider_ids,
        "offer_first_available": "on",
        "appointment_type_ids": page.appointment_type_ids,
        "brand_colour": page.brand_colour,
        "embed_origins": "",
        "is_active": "on",
        **overrides,
    }


def test_a_page_offers_healthie_s_providers_and_types_by_name(clinic_admin, riverside):
    response = clinic_admin.get(f"/staff/pages/{riverside.pk}/")
    page = Page(response)
    assert choices(page, "provider_ids") == {
        "103": "Lucia Alvarez",
        "101": "Maya Chen",
        "102": "Samuel Okafor",
    }
    # Only what patients can book: the staff-only "Care Team Huddle" is not offered.
    assert choices(page, "appointment_type_ids") == {
        "304": "In-Person Assessment",
        "301": "Initial Consultation",
        "303": "Phone Check-in",
        "302": "Video Follow-up",
    }
    assert sorted(checked(page, "provider_ids")) == ["101", "102", "103"]
    public_link = f"{settings.SITE_URL.rstrip('/')}/book/riverside/"
    assert page.one("link", public_link)["href"] == public_link
    embed_code = page.by_id("embed-inline").text
    assert "/embed.js" in embed_code and 'data-booking-page="riverside"' in embed_code
    assert 'data-booking-mode="popup"' in page.by_id("embed-popup").text


def test_saving_a_page_stores_the_picked_ids_and_origins(clinic_admin, riverside):
    data = page_form(
        riverside,
        provider_ids=["103", "101"],
        appointment_type_ids=["302", "304", "301"],
        embed_origins="https://clinic.example\nhttps://Clinic.Example/\nhttp://localhost:8080",
    )
    response = clinic_admin.post(f"/staff/pages/{riverside.pk}/", data)
    assert response.status_code == 302
    riverside.refresh_from_db()
    assert riverside.provider_ids == ["101", "103"]  # in the page's order, as strings
    # The types it had keep their order; the page dropped 303.
    assert riverside.appointment_type_ids == ["301", "302", "304"]
    assert riverside.embed_origins == ["https://clinic.example", "http://localhost:8080"]
    again = Page(clinic_admin.get(response["Location"]))
    assert again.by_id("id_embed_origins").text == "https://clinic.example http://localhost:8080"


@pytest.mark.parametrize(
    "origin",
    [
        "https://clinic.example/book",
        "https://clinic.example?x=1",
        "https://user@clinic.example",
        "clinic.example",
        "javascript:alert(1)",
        "ftp://clinic.example",
        "https://clinic.example:notaport",
        # What the pages' frame-ancestors would drop: never saved as if it worked.
        "https://*.clinic.example",
        "https://clinic.example;script-src",
    ],
)
def test_a_page_refuses_an_embed_origin_that_is_not_an_origin(clinic_admin, riverside, origin):
    data = page_form(riverside, embed_origins=f"https://fine.example\n{origin}")
    response = clinic_admin.post(f"/staff/pages/{riverside.pk}/", data)
    assert response.status_code == 422
    assert f"“{origin}” is not an origin" in response.content.decode()
    riverside.refresh_from_db()
    assert riverside.embed_origins == []


def test_a_new_page_needs_a_provider_and_a_type(clinic_admin, demo_pages, sandbox):
    response = clinic_admin.post(
        "/staff/pages/new/",
        {"title": "Dr. Okafor", "slug": "dr-okafor", "brand_colour": "#2f6f8f", "is_active": "on"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "This field is required." in text and "Set a provider id" in text
    assert not BookingPage.objects.filter(slug="dr-okafor").exists()

    response = clinic_admin.post(
        "/staff/pages/new/",
        {
            "title": "Dr. Okafor",
            "slug": "dr-okafor",
            "provider_id": "102",
            "appointment_type_ids": ["303"],
            "brand_colour": "#2f6f8f",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    created = BookingPage.objects.get(slug="dr-okafor")
    assert (created.provider_id, created.appointment_type_ids) == ("102", ["303"])
    # A provider Healthie does not list cannot be picked.
    response = clinic_admin.post(
        f"/staff/pages/{created.pk}/", page_form(created, provider_id="999")
    )
    assert response.status_code == 422 and "Select a valid choice." in response.content.decode()


def test_a_plan_is_made_for_a_type_picked_by_name(clinic_admin, demo_pages, sandbox):
    form = Page(clinic_admin.get("/staff/plans/new/"))
    assert choices(form, "appointment_type_id")["305"] == "Care Team Huddle"  # staff-only too
    response = clinic_admin.post(
        "/staff/plans/new/",
        {
            "appointment_type_id": "303",
            "label": "",
            "video": "hcw",
            "semble_questionnaire_token": "",
            "qualiphy_exam_ids": "12, 15,12",
            "provision_booked_elsewhere": "on",
        },
    )
    assert response.status_code == 302
    plan = AppointmentTypePlan.objects.get(appointment_type_id="303")
    assert (plan.label, plan.video, plan.qualiphy_exam_ids) == ("Phone Check-in", "hcw", [12, 15])
    listing = Page(clinic_admin.get("/staff/plans/"))
    assert listing.links("Phone Check-in")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("qualiphy_exam_ids", "12, abc", "“abc” is not an exam id"),
        ("qualiphy_exam_ids", "-3", "“-3” is not an exam id"),
        ("appointment_type_id", "999", "Select a valid choice."),
        ("video", "zoom", "Select a valid choice."),
    ],
)
def test_a_plan_refuses_bad_input(clinic_admin, demo_pages, sandbox, field, value, error):
    plan = AppointmentTypePlan.objects.get(appointment_type_id="302")
    data = {
        "appointment_type_id": "302",
        "label": plan.label,
        "video": plan.video,
        "semble_questionnaire_token": plan.semble_questionnaire_token,
        "qualiphy_exam_ids": "",
        field: value,
    }
    response = clinic_admin.post(f"/staff/plans/{plan.pk}/", data)
    assert response.status_code == 422
    assert error in response.content.decode()
    plan.refresh_from_db()
    assert plan.qualiphy_exam_ids == [] and plan.video == "betterpt"


def test_a_second_plan_for_the_same_type_is_refused(clinic_admin, demo_pages, sandbox):
    response = clinic_admin.post(
        "/staff/plans/new/", {"appointment_type_id": "302", "video": "none"}
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert AppointmentTypePlan.objects.filter(appointment_type_id="302").count() == 1
