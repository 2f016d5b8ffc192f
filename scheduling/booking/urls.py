"""The patient booking flow: every step a GET URL (see booking.flow), writes are POSTs."""

from django.urls import path

from scheduling.booking import views

urlpatterns = [
    path("book/", views.page_list, name="pages"),
    path("book/<slug:slug>/", views.step_type, name="start"),
    path("book/<slug:slug>/brand.css", views.brand_css, name="brand_css"),
    path("book/<slug:slug>/contact/", views.step_contact, name="contact"),
    path("book/<slug:slug>/provider/", views.step_provider, name="provider"),
    path("book/<slug:slug>/calendar/", views.step_calendar, name="calendar"),
    path("book/<slug:slug>/times/", views.step_times, name="times"),
    path("book/<slug:slug>/hold/", views.hold_create, name="hold"),
    path("book/<slug:slug>/details/", views.step_details, name="details"),
    path("book/<slug:slug>/confirm/", views.booking_confirm, name="confirm"),
    path("book/<slug:slug>/booked/<str:reference>/", views.booked, name="booked"),
    path(
        "book/<slug:slug>/booked/<str:reference>/access/",
        views.visit_access,
        name="visit_access",
    ),
    path(
        "book/<slug:slug>/booked/<str:reference>/calendar.ics",
        views.booked_ics,
        name="booked_ics",
    ),
]
