"""What the GraphQL vendor sandboxes share: their subset SDL built into an executable schema, and
(for the vendors that run Apollo Server) one request body executed into an Apollo-style answer.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from graphql import (
    GraphQLError,
    GraphQLSchema,
    StringValueNode,
    build_schema,
    parse,
    validate,
)
from graphql import (
    execute as graphql_execute,
)

Resolver = Callable[..., Any]

_Record = TypeVar("_Record")
_Shown = TypeVar("_Shown")
_Rest = ParamSpec("_Rest")


class Problem(Exception):  # noqa: N818 - Apollo's name for it: an error a resolver throws
    """A thrown error; graphql-core copies `.extensions` into the GraphQL error. A vendor's
    subclass names the code its resolvers throw by default."""

    default_code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.extensions = {"code": code or self.default_code}


def nullable(
    present: Callable[Concatenate[_Record, _Rest], _Shown],
) -> Callable[Concatenate[_Record | None, _Rest], _Shown | None]:
    """A presenter that answers None (GraphQL null) for a missing record."""

    @wraps(present)
    def present_or_none(
        record: _Record | None, /, *args: _Rest.args, **kwargs: _Rest.kwargs
    ) -> _Shown | None:
        return None if record is None else present(record, *args, **kwargs)

    return present_or_none


def bind_context(_name: str, resolve: Resolver) -> Resolver:
    """graphql-core's (root, info, **args) as resolve(context, **args)."""
    return lambda _root, info, **args: resolve(info.context, **args)


def build(
    sdl_path: Path,
    root_resolvers: dict[str, dict[str, Resolver]],
    *,
    bind: Callable[[str, Resolver], Resolver] = bind_context,
) -> GraphQLSchema:
    """The SDL at `sdl_path` with root_resolvers[root type][field name] bound to its fields."""
    built = build_schema(sdl_path.read_text())
    for root, resolvers in root_resolvers.items():
        fields = built.type_map[root].fields
        for name, resolve in resolvers.items():
            fields[name].resolve = bind(name, resolve)
    return built


def string_scalar(
    schema: GraphQLSchema,
    type_name: str,
    parse_value: Callable[[Any], Any],
    serialize: Callable[[Any], Any],
) -> None:
    """Give the custom scalar `type_name` its coercion: `parse_value` for variables and string
    literals alike (any other literal is refused), `serialize` for results."""

    def parse_literal(node, _variables=None):
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"{type_name} cannot represent a non string value.")
        return parse_value(node.value)

    scalar = schema.type_map[type_name]
    scalar.parse_value, scalar.parse_literal, scalar.serialize = (
        parse_value,
        parse_literal,
        serialize,
    )


# --- Apollo Server ------------------------------------------------------------------------


class ApolloAPI:
    """A subset SDL with its root resolvers and one custom string scalar (`scalar`: name,
    parse_value, serialize), served the way Apollo Server answers."""

    def __init__(
        self,
        sdl_path: Path,
        root_resolvers: dict[str, dict[str, Resolver]],
        *,
        scalar: tuple[str, Callable[[Any], Any], Callable[[Any], Any]],
    ):
        self._sdl_path = sdl_path
        self._root_resolvers = root_resolvers
        self._scalar = scalar

    @cached_property
    def schema(self) -> GraphQLSchema:
        built = build(self._sdl_path, self._root_resolvers)
        string_scalar(built, *self._scalar)
        return built

    def execute(self, ctx: Any, payload: Any) -> tuple[int, dict]:
        """(HTTP status, body) for one GraphQL request body, holding `ctx.store.lock`."""
        return execute_apollo(self.schema, payload, context=ctx, lock=ctx.store.lock)


def apollo_error(message: str, code: str) -> dict:
    return {"message": message, "extensions": {"code": code}}


def execute_apollo(
    schema: GraphQLSchema, payload: Any, *, context: Any, lock: AbstractContextManager
) -> tuple[int, dict]:
    """(HTTP status, body) for one GraphQL request body, as Apollo Server answers it.

    No `query`: 400 BAD_REQUEST. A document that does not parse or validate: 400
    GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED. Variables that do not coerce (a bad scalar,
    a missing required field): 400 BAD_USER_INPUT. Otherwise 200 with `data`, and `errors` whose
    code is the one a resolver raised with (`extensions.code`), else INTERNAL_SERVER_ERROR.
    Execution holds `lock`, so each request is one atomic step on the store.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        error = apollo_error("GraphQL operations must contain a `query`", "BAD_REQUEST")
        return 400, {"errors": [error]}
    try:
        document = parse(payload["query"])
    except GraphQLError as exc:
        return 400, {"errors": [apollo_error(exc.message, "GRAPHQL_PARSE_FAILED")]}
    problems = validate(schema, document)
    if problems:
        errors = [apollo_error(e.message, "GRAPHQL_VALIDATION_FAILED") for e in problems]
        return 400, {"errors": errors}
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return 400, {"errors": [apollo_error("`variables` must be an object", "BAD_REQUEST")]}
    with lock:
        result = graphql_execute(
            schema,
            document,
            variable_values=variables,
            operation_name=payload.get("operationName"),
            context_value=context,
        )
    if result.errors and result.data is None and all(e.path is None for e in result.errors):
        return 400, {"errors": [apollo_error(e.message, "BAD_USER_INPUT") for e in result.errors]}
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = []
        for error in result.errors:
            formatted = error.formatted
            formatted.setdefault("extensions", {}).setdefault("code", "INTERNAL_SERVER_ERROR")
            body["errors"].append(formatted)
    body["data"] = result.data
    return 200, body
