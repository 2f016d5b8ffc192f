"""Helpers the vendor sandbox apps share (the interface they implement is in `base.py`): their
settings, the check of `/_sandbox/config/<vendor>` options, the HTML page a link opens, and the
front of a GraphQL endpoint.
"""

import html
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from graphql import GraphQLError, OperationDefinitionNode, parse

from integrations.sandbox.base import Request, Response


def setting(name: str, default: str) -> str:
    """Django's setting `name`, else the environment variable, else `default`. Read per request,
    so a settings override in a test applies at once; a bare sandbox has no Django settings."""
    try:
        value = getattr(settings, name, None)
    except ImproperlyConfigured:
        value = None
    return value or os.environ.get(name) or default


def check_options(vendor: str, options: dict[str, Any], checks: dict[str, Callable]) -> None:
    """ValueError unless every option is known (a key of `checks`) and passes its check."""
    for key, value in options.items():
        if key not in checks:
            raise ValueError(f"unknown {vendor} sandbox option: {key}")
        if not checks[key](value):
            raise ValueError(f"invalid value for {vendor} sandbox option {key}")


def page(title: str, detail: str, status: int = 200) -> Response:
    """The tiny HTML page a patient or provider link opens, so demo links work."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(detail)}</p></main></html>"
    )
    return Response(status=status, body=body.encode(), headers={"Content-Type": "text/html"})


# --- GraphQL endpoints ----------------------------------------------------------------------

NOT_FOUND = Response.json({"errors": [{"message": "Not Found"}]}, status=404)


def refuse_non_post(request: Request) -> Response | None:
    """405 for anything but POST, as GraphQL servers answer; None for a POST."""
    if request.method.upper() == "POST":
        return None
    return Response.json(
        {"errors": [{"message": "Use POST"}]}, status=405, headers={"Allow": "POST"}
    )


def apollo_payload(request: Request) -> tuple[Any, Response | None]:
    """(the JSON body, None), or (None, Apollo Server's 400 for a body that is not JSON)."""
    try:
        return request.json(), None
    except ValueError:
        error = {"message": "Invalid JSON body", "extensions": {"code": "BAD_REQUEST"}}
        return None, Response.json({"errors": [error]}, status=400)


def operation_of(request: Request) -> str:
    """The first root field the request's GraphQL operation selects (e.g. completeCheckout),
    "graphql" when the body names none we can read."""
    try:
        payload = request.json()
        return root_field(payload.get("query") or "", payload.get("operationName"))
    except (ValueError, AttributeError, TypeError, GraphQLError):
        return "graphql"


@lru_cache(maxsize=256)
def root_field(query: str, operation_name: str | None) -> str:
    for definition in parse(query).definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            for selection in definition.selection_set.selections:
                name = getattr(selection, "name", None)
                if name is not None and not name.value.startswith("__"):
                    return name.value
    return "graphql"
