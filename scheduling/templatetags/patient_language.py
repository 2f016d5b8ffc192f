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
def language_choices(context, url: str = "") -> list[dict]:
    """Each language with the URL of this page in it (`url`, or the request's own URL)."""
    request = context.get("request")
    here = url or (request.get_full_path() if request else "")
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
