from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]
