"""Front desk pages: the calendar (the console's home) and the appointment panel."""

from django.urls import path

from scheduling.staff.desk import views

urlpatterns = [
    path("", views.calendar, name="home"),
    path("appointments/<str:appointment_id>/", views.appointment, name="appointment"),
    path("appointments/<str:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    path("appointments/<str:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<str:appointment_id>/no-show/", views.no_show, name="no_show"),
    path(
        "appointments/<str:appointment_id>/retry/<int:provision_id>/",
        views.retry,
        name="retry",
    ),
]
