"""The staff console, namespace "staff:" (mounted at /staff/ in config.urls)."""

from django.urls import path

from scheduling.staff import auth_views
from scheduling.staff.clinic import urls as clinic
from scheduling.staff.desk import urls as desk

app_name = "staff"

urlpatterns = [
    path("login/", auth_views.StaffLogin.as_view(), name="login"),
    path("logout/", auth_views.StaffLogout.as_view(), name="logout"),
    *desk.urlpatterns,
    *clinic.urlpatterns,
]
