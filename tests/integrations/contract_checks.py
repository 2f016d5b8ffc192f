"""Checks shared by the GraphQL vendors' contract tests (Healthie, BetterPT, Semble).

Each vendor has its operations (`operations/*.graphql`), the subset SDL its sandbox serves, and
the vendor's reference SDL in `../shared/vendor-contracts/` (a `Contract`). The checks compare
them and return what is wrong as a list of lines, so one failing test names every problem.
"""

from functools import cached_property
from pathlib import Path

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)
from graphql.type.introspection import introspection_types
from graphql.type.scalars import specified_scalar_types

from integrations.contracts import reference_path

INTEGRATIONS = Path(__file__).resolve().parents[2] / "integrations"
BUILT_IN = set(introspection_types) | set(specified_scalar_types)
ROOTS = ("Query", "Mutation")


class Contract:
    """One vendor's contract: our operations, the sandbox's subset SDL and the reference SDL."""

    def __init__(self, vendor: str, reference_file: str, *, label: str):
        self.vendor, self.reference_file, self.label = vendor, reference_file, label
        package = INTEGRATIONS / vendor
        self.operations = sorted((package / "operations").glob("*.graphql"))
        self.subset_path = package / "sandbox" / "schema.graphql"

    @cached_property
    def reference_text(self) -> str:
        """The reference SDL; the test fails if `../shared` is not beside the checkout."""
        path = reference_path(self.vendor, self.reference_file)
        if not path.exists():
            pytest.fail(
                f"{self.label} reference SDL missing at {path} (../shared beside the checkout)"
            )
        return path.read_text()

    @cached_property
    def reference(self) -> GraphQLSchema:
        return build_schema(self.reference_text)

    @cached_property
    def subset(self) -> GraphQLSchema:
        return build_schema(self.subset_path.read_text())

    def subset_types(self) -> list[GraphQLNamedType]:
        """The subset's own types (no introspection types or built-in scalars), by name."""
        own = (t for name, t in self.subset.type_map.items() if name not in BUILT_IN)
        return sorted(own, key=lambda t: t.name)

    def root_field_mismatches(self) -> list[str]:
        return root_field_mismatches(self.subset, self.operations)

    def root_type_mismatches(self) -> list[str]:
        return root_type_mismatches(self.subset, self.reference)

    def type_mismatches(self, ours: GraphQLNamedType) -> list[str]:
        return type_mismatches(ours, self.reference)


def operation_of(path: Path) -> OperationDefinitionNode:
    """The one operation in the document at `path`."""
    document = parse(path.read_text())
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name}: expected exactly one operation"
    return operations[0]


def validate_against(schema: GraphQLSchema, path: Path) -> list[str]:
    """The validation errors of the document at `path` against `schema`."""
    return [error.message for error in validate(schema, parse(path.read_text()))]


def root_field_mismatches(subset: GraphQLSchema, operations: list[Path]) -> list[str]:
    """Differences between the subset's root fields and those the operations select."""
    used: dict[str, set[str]] = {"query": set(), "mutation": set()}
    for path in operations:
        operation = operation_of(path)
        used[operation.operation.value].update(
            s.name.value for s in operation.selection_set.selections
        )
    problems = []
    for kind, root in (("query", subset.query_type), ("mutation", subset.mutation_type)):
        served = set(root.fields) if root else set()
        if served - used[kind]:
            problems.append(f"{kind}: served but no operation uses {sorted(served - used[kind])}")
        if used[kind] - served:
            problems.append(f"{kind}: used but not served {sorted(used[kind] - served)}")
    return problems


def root_type_mismatches(subset: GraphQLSchema, reference: GraphQLSchema) -> list[str]:
    """The subset names its query and mutation types as the reference does; no subscriptions."""
    problems = []
    for kind in ("query", "mutation"):
        ours, theirs = getattr(subset, f"{kind}_type"), getattr(reference, f"{kind}_type")
        if (ours and ours.name) != (theirs and theirs.name):
            problems.append(f"{kind} type: {ours} here, {theirs} in the reference")
    if subset.subscription_type is not None:
        problems.append(f"subscription type {subset.subscription_type} in the subset")
    return problems


def type_mismatches(ours: GraphQLNamedType, reference: GraphQLSchema) -> list[str]:
    """How a subset type differs from the reference's type of the same name.

    Every field, argument, input field, enum value and union member must exist in the reference
    with the same type (nullability and list wrappers included) and default. Input objects and
    enums must be complete, root fields keep all their reference arguments, and no field leaves
    out an argument the reference requires: the sandbox accepts exactly what the vendor accepts.
    """
    theirs = reference.get_type(ours.name)
    if theirs is None:
        return [f"type {ours.name}: not in the reference"]
    if type(ours) is not type(theirs):
        kinds = f"{type(ours).__name__} here, {type(theirs).__name__} in the reference"
        return [f"type {ours.name}: {kinds}"]
    problems: list[str] = []
    if isinstance(ours, GraphQLObjectType | GraphQLInterfaceType):
        problems += _field_mismatches(ours, theirs, complete_args=ours.name in ROOTS)
        ours_if = sorted(i.name for i in ours.interfaces)
        theirs_if = sorted(i.name for i in theirs.interfaces)
        if ours_if != theirs_if:
            problems.append(f"type {ours.name}: implements {ours_if}, reference {theirs_if}")
    elif isinstance(ours, GraphQLInputObjectType):
        for name, field in ours.fields.items():
            problems += _argument_mismatches(f"{ours.name}.{name}", field, theirs.fields.get(name))
        missing = sorted(set(theirs.fields) - set(ours.fields))
        if missing:
            problems.append(f"input {ours.name}: fields missing from the subset: {missing}")
    elif isinstance(ours, GraphQLEnumType):
        extra = sorted(set(ours.values) - set(theirs.values))
        missing = sorted(set(theirs.values) - set(ours.values))
        if extra:
            problems.append(f"enum {ours.name}: values not in the reference: {extra}")
        if missing:
            problems.append(f"enum {ours.name}: values missing from the subset: {missing}")
    elif isinstance(ours, GraphQLUnionType):
        extra = sorted({t.name for t in ours.types} - {t.name for t in theirs.types})
        if extra:
            problems.append(f"union {ours.name}: members not in the reference: {extra}")
    else:
        assert isinstance(ours, GraphQLScalarType)
    return problems


def _argument_mismatches(
    where: str, ours: GraphQLArgument | GraphQLInputField, theirs
) -> list[str]:
    if theirs is None:
        return [f"{where}: not in the reference"]
    problems = []
    if str(ours.type) != str(theirs.type):
        problems.append(f"{where}: type {ours.type} here, {theirs.type} in the reference")
    if repr(ours.default_value) != repr(theirs.default_value):
        problems.append(
            f"{where}: default {ours.default_value!r} here, "
            f"{theirs.default_value!r} in the reference"
        )
    return problems


def _field_mismatches(ours, theirs, *, complete_args: bool) -> list[str]:
    problems = []
    for field_name, field in ours.fields.items():
        where = f"{ours.name}.{field_name}"
        their_field = theirs.fields.get(field_name)
        if their_field is None:
            problems.append(f"{where}: field not in the reference")
            continue
        if str(field.type) != str(their_field.type):
            problems.append(f"{where}: type {field.type} here, {their_field.type} in the reference")
        for arg_name, arg in field.args.items():
            problems += _argument_mismatches(
                f"{where}({arg_name})", arg, their_field.args.get(arg_name)
            )
        missing = set(their_field.args) - set(field.args)
        if missing and complete_args:
            problems.append(f"{where}: arguments missing from the subset: {sorted(missing)}")
        # A required argument left out would let the sandbox accept calls the vendor rejects.
        for arg_name in sorted(missing):
            if str(their_field.args[arg_name].type).endswith("!"):
                problems.append(f"{where}({arg_name}): required in the reference, missing here")
    return problems
