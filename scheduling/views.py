"""Site pages outside any flow: the home page, the health check and the widget's loader."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from scheduling.booking import selectors as booking_selectors
from scheduling.common import embed


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "pages": booking_selectors.pages_list(),
        "demo_clinic_site": settings.DEMO_CLINIC_SITE_URL,
    }
    return render(request, "scheduling/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@require_safe
def embed_js(request: HttpRequest) -> HttpResponse:
    """/embed.js, the widget's loader (common.embed: why a short max-age and an ETag)."""
    loader = embed.loader()
    response = get_conditional_response(request, etag=loader.etag)
    if response is None:
        body, encoding = loader.body(request.headers.get("Accept-Encoding", ""))
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
        if encoding:
            response["Content-Encoding"] = encoding
    response["ETag"] = loader.etag
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    patch_cache_control(response, public=True, max_age=embed.LOADER_MAX_AGE)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
