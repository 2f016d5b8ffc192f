"""The patient's manage link: an unguessable token, no account."""

from django.urls import path

from scheduling.manage import views

urlpatterns = [
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/reschedule/", views.reschedule_calendar, name="manage_calendar"),
    path("manage/<str:token>/reschedule/times/", views.reschedule_times, name="manage_times"),
    path("manage/<str:token>/reschedule/hold/", views.reschedule_hold, name="manage_hold"),
    path("manage/<str:token>/reschedule/review/", views.reschedule_review, name="manage_review"),
    path(
        "manage/<str:token>/reschedule/confirm/",
        views.reschedule_confirm,
        name="manage_reschedule",
    ),
    path("manage/<str:token>/cancel/", views.cancel, name="manage_cancel"),
    path("manage/<str:token>/<path:rest>", views.not_found),  # 404, token kept out of logs
]
