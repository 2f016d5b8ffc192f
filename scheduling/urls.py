from django.urls import path

from scheduling import manage_views, views

app_name = "scheduling"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The patient booking flow: every step a GET URL (see scheduling.flow), writes are POSTs.
    path("book/", views.page_list, name="pages"),
    path("book/<slug:slug>/", views.step_type, name="start"),
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
    path("questionnaire/<str:reference>/", views.questionnaire, name="questionnaire"),
    path("webhooks/qualiphy/<str:secret>/", views.qualiphy_webhook, name="qualiphy_webhook"),
    path(
        "book/<slug:slug>/booked/<str:reference>/calendar.ics",
        views.booked_ics,
        name="booked_ics",
    ),
    # The patient's manage link (scheduling.manage_views): an unguessable token, no account.
    path("manage/<str:token>/", manage_views.manage, name="manage"),
    path(
        "manage/<str:token>/reschedule/",
        manage_views.reschedule_calendar,
        name="manage_calendar",
    ),
    path(
        "manage/<str:token>/reschedule/times/",
        manage_views.reschedule_times,
        name="manage_times",
    ),
    path("manage/<str:token>/reschedule/hold/", manage_views.reschedule_hold, name="manage_hold"),
    path(
        "manage/<str:token>/reschedule/review/",
        manage_views.reschedule_review,
        name="manage_review",
    ),
    path(
        "manage/<str:token>/reschedule/confirm/",
        manage_views.reschedule_confirm,
        name="manage_reschedule",
    ),
    path("manage/<str:token>/cancel/", manage_views.cancel, name="manage_cancel"),
    path("manage/<str:token>/<path:rest>", manage_views.not_found),  # 404, token kept out of logs
]
