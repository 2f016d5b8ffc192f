"""Every page of the app, under one namespace ("scheduling:"), gathered from the domains."""

from django.urls import path

from scheduling import views
from scheduling.booking import urls as booking
from scheduling.manage import urls as manage
from scheduling.provisioning import urls as provisioning
from scheduling.sync import urls as sync

app_name = "scheduling"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("embed.js", views.embed_js, name="embed_js"),
    *booking.urlpatterns,
    *manage.urlpatterns,
    *provisioning.urlpatterns,
    *sync.urlpatterns,
]
