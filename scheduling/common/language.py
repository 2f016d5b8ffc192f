"""The patient's language: English or Spanish, chosen without a cookie.

Clinics frame the booking pages on their own sites, where browsers drop third-party cookies, so
the language is negotiated on every request: `?lang=es|en` wins (the embed passes its
`data-language` so, and the switch on the page links so), else the browser's Accept-Language,
else English. A language chosen with `?lang=` is a choice the browser's header would not give
back, so it travels on in every link, form action, step URL and redirect of the flow
(`carry()`, StepState.params, and the middleware for redirects); an htmx request that forgot it
takes it from the page it was made from (HX-Current-URL). Responses vary on Accept-Language so
a shared cache never hands one patient's language to another.
"""

from contextvars import ContextVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

PARAM = "lang"

# The language this request chose with ?lang= ("" when it follows the browser): links carry it.
_chosen: ContextVar[str] = ContextVar("chosen_language", default="")


def supported(code: str | None) -> str:
    """`code` when it is one of settings.LANGUAGES ("es", "en"), "" otherwise."""
    code = (code or "").strip().lower()
    return code if code in dict(settings.LANGUAGES) else ""


def chosen() -> str:
    """The language chosen with ?lang= on this request, "" when it follows the browser."""
    return _chosen.get()


def _query_language(url: str) -> str:
    return supported(dict(parse_qsl(urlsplit(url).query)).get(PARAM))


def with_language(url: str, code: str) -> str:
    """`url` with its `lang` parameter set to `code` (other parameters and the fragment kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != PARAM]
    query.append((PARAM, code))
    return urlunsplit(parts._replace(query=urlencode(query)))


def carry(url: str) -> str:
    """`url` with the chosen language added when there is one and it names none itself."""
    code = chosen()
    if not code or not url or _query_language(url):
        return url
    return with_language(url, code)


def requested(request) -> str:
    """The language asked for in the URL, or by an htmx request's page (HX-Current-URL)."""
    code = supported(request.GET.get(PARAM))
    if not code and request.headers.get("HX-Request"):
        code = _query_language(request.headers.get("HX-Current-URL", ""))
    return code


def from_browser(request) -> str:
    """The first of the browser's Accept-Language that we speak (es-MX -> es), else English.
    Only the header: the language cookie Django's LocaleMiddleware would also read is never
    set here and must not decide a framed page."""
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if tag == "*":
            break
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def is_local(location: str) -> bool:
    return location.startswith("/") and not location.startswith("//")


class PatientLanguageMiddleware:
    """Activates the request's language for the whole response and sets no cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = requested(request)
        translation.activate(code or from_browser(request))
        request.LANGUAGE_CODE = translation.get_language()
        token = _chosen.set(code)
        try:
            response = self.get_response(request)
            location = response.get("Location", "")
            if code and 300 <= response.status_code < 400 and is_local(location):
                response["Location"] = carry(location)
        finally:
            _chosen.reset(token)
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
