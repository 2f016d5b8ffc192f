"""Generated hostile input to every clinic console form and the report (hypothesis,
derandomized): never a 5xx, and a refused post stores nothing (no booking page or plan changes,
no hours reach Healthie)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.healthie.client import HealthieClient
from scheduling.models import AppointmentTypePlan, BookingPage

NASTY = [
    "",
    " ",
    "\x00",
    "%00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "24:00",
    "23:59",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "https://clinic.example/x",
    "javascript:alert(1)",
    "101",
    "302",
    "weekly",
    "one_off",
    "ա" * 300,
]
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))

HOURS_FIELDS = ["kind", "weekday", "day", "opens", "closes", "last_day", "appointment_type"]
PAGE_FIELDS = [
    "title", "slug", "intro", "org_level", "provider_id", "provider_ids", "offer_first_available",
    "appointment_type_ids", "brand_colour", "embed_origins", "is_active",
]  # fmt: skip
PLAN_FIELDS = [
    "appointment_type_id", "label", "video", "betterpt_patient_notifications",
    "semble_questionnaire_token", "qualiphy_exam_ids", "provision_booked_elsewhere",
]  # fmt: skip

GENERATED = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def form_data(fields):
    return st.fixed_dictionaries({}, optional={name: value for name in fields})


def snapshot() -> tuple:
    pages = list(BookingPage.objects.order_by("pk").values())
    plans = list(AppointmentTypePlan.objects.order_by("pk").values())
    return pages, plans


@pytest.fixture
def healthie_hours(sandbox):
    def count() -> int:
        with HealthieClient() as healthie:
            weekly = healthie.availabilities(provider_id="101", is_repeating=True)
            one_off = healthie.availabilities(provider_id="101", one_time=True)
        return len(weekly) + len(one_off)

    return count


@GENERATED
@given(data=form_data(HOURS_FIELDS), target=st.sampled_from(["add", "4001/edit", "4001/delete"]))
def test_hours_posts(clinic_admin, demo_pages, healthie_hours, data, target):
    before = healthie_hours()
    response = clinic_admin.post(f"/staff/availability/101/{target}/", data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert healthie_hours() == before


@GENERATED
@given(data=form_data(PAGE_FIELDS), new=st.booleans())
def test_page_posts(clinic_admin, demo_pages, sandbox, data, new):
    url = "/staff/pages/new/" if new else f"/staff/pages/{BookingPage.objects.first().pk}/"
    before = snapshot()
    response = clinic_admin.post(url, data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot() == before


@GENERATED
@given(data=form_data(PLAN_FIELDS), new=st.booleans())
def test_plan_posts(clinic_admin, demo_pages, sandbox, data, new):
    plan = AppointmentTypePlan.objects.first()
    url = "/staff/plans/new/" if new else f"/staff/plans/{plan.pk}/"
    before = snapshot()
    response = clinic_admin.post(url, data)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert snapshot() == before


@GENERATED
@given(query=st.dictionaries(st.sampled_from(["start", "end", "provider", "format"]), value))
def test_report_queries(front_desk, sandbox, query):
    response = front_desk.get("/staff/report/", query)
    assert response.status_code < 500


@GENERATED
@given(provider=value)
def test_availability_urls(clinic_admin, sandbox, provider):
    response = clinic_admin.get("/staff/availability/", {"provider": provider})
    assert response.status_code < 500
