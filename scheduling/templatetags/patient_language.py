"""The patient's language in templates: `{{ url|carry_language }}` keeps a language chosen with
?lang= on a link or form action, and `{% language_choices as choices %}` gives the switch's
"English / Español" pair, each pointing at this same place in the other language."""

from django import template
from django.conf import settings
from django.utils import translation

from scheduling.common import language

register = template.Library()


@register.filter
def carry_language(url: str) -> str:
    return language.carry(str(url))


@register.simple_tag(takes_context=True)
def language_choices(context, bare: bool = False, at: str = "") -> list[dict]:
    """Each language with a link to this same page in it: relative (`?...&lang=es`), so the
    page never repeats its path (a manage token, a mistyped link on a 404); `bare` keeps only
    the language (the error pages repeat none of the request). `at`: another page instead, for
    a page that answers a post (its own URL takes no GET): the place to go on from."""
    request = context.get("request")
    query = "" if bare or request is None else request.META.get("QUERY_STRING", "")
    here = str(at) if at else f"?{query}"
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": name,
            "url": language.with_language(here, code),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]


@register.simple_tag
def get_chosen_language() -> str:
    """The language chosen with ?lang= ("" when the page follows the browser)."""
    return language.chosen()
