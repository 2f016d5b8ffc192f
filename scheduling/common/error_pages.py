"""Error pages on the patient pages can be framed where those pages can.

A page the clinic embeds can still end in an error: an unknown manage link, a booking page that
no longer exists, a crash. Django makes those answers outside the view (its 404 and 500
handlers, or a wrapper that catches Http404), so `origin.embeddable` never saw them and
XFrameOptionsMiddleware sent `DENY`: the patient saw a blank frame on the clinic's site instead
of the site's own error page. Everything outside the patient pages (admin, staff) keeps DENY.
"""

from scheduling.common.origin import embeddable

PATIENT_PATHS = ("/book/", "/manage/", "/questionnaire/")


def patient_error_pages_framable(get_response):
    def middleware(request):
        response = get_response(request)
        if (
            response.status_code < 400
            or getattr(response, "xframe_options_exempt", False)
            or not request.path.startswith(PATIENT_PATHS)
        ):
            return response
        # The same decision as the page itself (per booking page where the URL names one).
        match = request.resolver_match
        kwargs = dict(match.kwargs) if match else {}
        return embeddable(lambda request, *args, **kwargs: response)(request, **kwargs)

    return middleware
