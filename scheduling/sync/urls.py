"""Healthie's webhook. Registered with and without the trailing slash: a POST must never be
redirected (APPEND_SLASH), since Healthie follows a redirect but drops the body."""

from django.urls import path

from scheduling.sync import views

urlpatterns = [
    path("webhooks/healthie/", views.healthie_webhook, name="healthie_webhook"),
    path("webhooks/healthie", views.healthie_webhook, name="healthie_webhook_no_slash"),
]
