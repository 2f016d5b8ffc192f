"""Site pages outside any flow: the home page and the health check."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from scheduling.booking import selectors as booking_selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/home.html", {"pages": booking_selectors.pages_list()})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
