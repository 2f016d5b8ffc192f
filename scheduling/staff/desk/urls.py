"""Front desk pages: the calendar (the console's home) and the appointment panel."""

from django.urls import path

from scheduling.staff.desk import views

urlpatterns = [
    path("", views.placeholder, name="home"),
]
