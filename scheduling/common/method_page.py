"""A wrong method gets the site's own page: Django's `require_GET` / `require_POST` answer 405
with an empty body, which shows as a blank page (inside the clinic's iframe too)."""

from django.shortcuts import render


def method_not_allowed_page(get_response):
    def middleware(request):
        response = get_response(request)
        streaming = getattr(response, "streaming", False)
        if response.status_code != 405 or streaming or response.content:
            return response
        page = render(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page

    return middleware
