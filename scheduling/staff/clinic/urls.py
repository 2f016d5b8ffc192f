"""Clinic admin pages and the attendance report."""

from django.urls import path

from scheduling.staff.clinic import views

urlpatterns = [
    path("report/", views.placeholder, name="report"),
    path("availability/", views.placeholder, name="availability"),
    path("pages/", views.placeholder, name="pages"),
    path("plans/", views.placeholder, name="plans"),
]
