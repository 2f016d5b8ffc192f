"""What provisioning serves: the questionnaire redirect and Qualiphy's webhook."""

from django.urls import path

from scheduling.provisioning import views

urlpatterns = [
    path("questionnaire/<str:reference>/", views.questionnaire, name="questionnaire"),
    path("webhooks/qualiphy/<str:secret>/", views.qualiphy_webhook, name="qualiphy_webhook"),
]
