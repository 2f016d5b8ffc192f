"""A tiny validator for the slice of OpenAPI 3.0 schema that Qualiphy's openapi.json uses.

Keywords: $ref (local), type (object, array, string, integer, number, boolean), nullable,
required, properties, items, enum, oneOf (+ discriminator, informative only), format date-time.
`strict=True` also refuses properties the schema does not declare (for what *we* send).
`unsupported_keywords` lists anything else the document uses, so a new keyword fails loudly
instead of being ignored.
"""

import json
from datetime import datetime
from functools import cache
from typing import Any

from integrations.contracts import reference_path

SUPPORTED = {
    "$ref",
    "type",
    "nullable",
    "required",
    "properties",
    "items",
    "enum",
    "oneOf",
    "discriminator",
    "format",
    "description",
    "example",
}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


@cache
def spec() -> dict:
    return json.loads(reference_path("qualiphy", "openapi.json").read_text())


def schema(name: str) -> dict:
    return spec()["components"]["schemas"][name]


def resolve(node: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/components/schemas/"):
            raise ValueError(f"unsupported $ref {ref}")
        node = schema(ref.rsplit("/", 1)[1])
    return node


def errors(instance: Any, node: dict, *, strict: bool = False, path: str = "$") -> list[str]:
    node = resolve(node)
    if instance is None:
        return [] if node.get("nullable") or not node else [f"{path}: null is not allowed"]
    if "oneOf" in node:
        matching = [s for s in node["oneOf"] if not errors(instance, s, strict=strict, path=path)]
        if len(matching) != 1:
            return [f"{path}: matches {len(matching)} of the oneOf schemas, not exactly 1"]
        return []
    found = []
    kind = node.get("type")
    if kind and not TYPES[kind](instance):
        return [f"{path}: expected {kind}, got {type(instance).__name__}"]
    if "enum" in node and instance not in node["enum"]:
        found.append(f"{path}: {instance!r} not in {node['enum']}")
    if node.get("format") == "date-time" and isinstance(instance, str):
        try:
            datetime.fromisoformat(instance.replace("Z", "+00:00"))
        except ValueError:
            found.append(f"{path}: {instance!r} is not a date-time")
    if isinstance(instance, dict):
        properties = node.get("properties", {})
        for name in node.get("required", []):
            if name not in instance:
                found.append(f"{path}: missing required {name}")
        for name, value in instance.items():
            if name in properties:
                found += errors(value, properties[name], strict=strict, path=f"{path}.{name}")
            elif strict and properties:
                found.append(f"{path}: {name} is not in the schema")
    if isinstance(instance, list) and "items" in node:
        for index, item in enumerate(instance):
            found += errors(item, node["items"], strict=strict, path=f"{path}[{index}]")
    return found


def unsupported_keywords() -> set[str]:
    """Schema keywords used in components/webhooks that this validator does not implement."""
    seen: set[str] = set()

    def walk(node: Any, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    seen.add(key)
                    if key in ("example", "description", "enum"):
                        continue
                walk(value, in_properties=(key == "properties" and not in_properties))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for node in spec()["components"]["schemas"].values():
        walk(node)
    return seen - SUPPORTED - {"propertyName", "mapping"}
