"""Clinic admin pages and the attendance report (the first path of each section is the page the
console's navigation links to)."""

from django.urls import path

from scheduling.staff.clinic.views import availability, pages, plans, report

urlpatterns = [
    path("report/", report.report, name="report"),
    path("availability/", availability.availability, name="availability"),
    path("availability/<str:provider_id>/add/", availability.hours_add, name="availability_add"),
    path("availability/<str:provider_id>/blocks/add/", availability.block_add, name="block_add"),
    path(
        "availability/<str:provider_id>/blocks/<str:block_id>/edit/",
        availability.block_edit,
        name="block_edit",
    ),
    path(
        "availability/<str:provider_id>/blocks/<str:block_id>/delete/",
        availability.block_delete,
        name="block_delete",
    ),
    path(
        "availability/<str:provider_id>/<str:hours_id>/edit/",
        availability.hours_edit,
        name="availability_edit",
    ),
    path(
        "availability/<str:provider_id>/<str:hours_id>/delete/",
        availability.hours_delete,
        name="availability_delete",
    ),
    path("pages/", pages.page_list, name="pages"),
    path("pages/new/", pages.page_edit, name="page_new"),
    path("pages/<int:pk>/", pages.page_edit, name="page_edit"),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/new/", plans.plan_edit, name="plan_new"),
    path("plans/<int:pk>/", plans.plan_edit, name="plan_edit"),
]
