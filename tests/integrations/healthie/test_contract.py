"""Healthie contract: our operations and our subset SDL against Healthie's 2026-01-01 reference.

(a) every operation document validates against the reference SDL and against the subset the
    sandbox serves;
(b) every type, field, argument and enum value in the subset exists identically in the reference
    (same names, same types including nullability and list wrappers, same defaults where the
    reference has them). Input objects and enums must be complete, and every root field keeps all
    of its reference arguments, so the sandbox accepts exactly what Healthie accepts.
"""

from functools import cache
from pathlib import Path

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
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

PACKAGE = Path(__file__).resolve().parents[3] / "integrations" / "healthie"
OPERATIONS = sorted((PACKAGE / "operations").glob("*.graphql"))
SUBSET = PACKAGE / "sandbox" / "schema.graphql"
REFERENCE_FILE = "schema-2026-01-01.graphql"
BUILT_IN = set(introspection_types) | set(specified_scalar_types)


@cache
def reference() -> GraphQLSchema:
    path = reference_path("healthie", REFERENCE_FILE)
    if not path.exists():
        pytest.fail(f"Healthie reference SDL missing at {path} (../shared beside the checkout)")
    return build_schema(path.read_text())


@cache
def subset() -> GraphQLSchema:
    return build_schema(SUBSET.read_text())


def subset_types():
    return sorted(
        (t for name, t in subset().type_map.items() if name not in BUILT_IN),
        key=lambda t: t.name,
    )


def test_reference_path_points_beside_the_checkout():
    path = reference_path("healthie", REFERENCE_FILE)
    assert path.parts[-4:] == ("shared", "vendor-contracts", "healthie", REFERENCE_FILE)
    assert path.exists(), path


def test_operations_exist():
    assert len(OPERATIONS) >= 17
    names = {p.stem for p in OPERATIONS}
    assert {"appointmentTypes", "completeCheckout", "updateAppointment", "users"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_one_named_operation_named_after_its_file(path):
    document = parse(path.read_text())
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name}: expected exactly one operation"
    assert operations[0].name is not None, f"{path.name}: operation must be named"
    assert operations[0].name.value == path.stem, f"{path.name}: name {operations[0].name.value}"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_reference(path):
    errors = validate(reference(), parse(path.read_text()))
    detail = "; ".join(e.message for e in errors)
    assert not errors, f"{path.name} vs Healthie 2026-01-01: {detail}"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_subset(path):
    errors = validate(subset(), parse(path.read_text()))
    assert not errors, f"{path.name} vs subset SDL: " + "; ".join(e.message for e in errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_mutations_select_messages(path):
    document = parse(path.read_text())
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    if operation.operation.value != "mutation":
        return
    for root in operation.selection_set.selections:
        selected = {s.name.value: s for s in root.selection_set.selections}
        assert "messages" in selected, f"{path.name}: {root.name.value} must select messages"
        inner = {s.name.value for s in selected["messages"].selection_set.selections}
        assert inner == {"field", "message"}, f"{path.name}: messages {{ field message }}"


def test_subset_root_fields_are_exactly_the_operations_root_fields():
    used: dict[str, set[str]] = {"query": set(), "mutation": set()}
    for path in OPERATIONS:
        for definition in parse(path.read_text()).definitions:
            if isinstance(definition, OperationDefinitionNode):
                used[definition.operation.value].update(
                    s.name.value for s in definition.selection_set.selections
                )
    assert set(subset().query_type.fields) == used["query"]
    assert set(subset().mutation_type.fields) == used["mutation"]


def _default(value):
    return repr(value)


def _check_argument(where: str, ours: GraphQLArgument | GraphQLInputField, theirs) -> list[str]:
    problems = []
    if theirs is None:
        return [f"{where}: not in the reference"]
    if str(ours.type) != str(theirs.type):
        problems.append(f"{where}: type {ours.type} here, {theirs.type} in the reference")
    if _default(ours.default_value) != _default(theirs.default_value):
        problems.append(
            f"{where}: default {ours.default_value!r} here, "
            f"{theirs.default_value!r} in the reference"
        )
    return problems


def _check_fields(name: str, ours, theirs, *, complete_args: bool) -> list[str]:
    problems = []
    for field_name, field in ours.fields.items():
        where = f"{name}.{field_name}"
        their_field = theirs.fields.get(field_name)
        if their_field is None:
            problems.append(f"{where}: field not in the reference")
            continue
        if str(field.type) != str(their_field.type):
            problems.append(f"{where}: type {field.type} here, {their_field.type} in the reference")
        for arg_name, arg in field.args.items():
            problems += _check_argument(f"{where}({arg_name})", arg, their_field.args.get(arg_name))
        missing = set(their_field.args) - set(field.args)
        if missing and complete_args:
            problems.append(f"{where}: arguments missing from the subset: {sorted(missing)}")
        # A required argument left out would let the sandbox accept calls Healthie rejects.
        for arg_name in missing:
            if str(their_field.args[arg_name].type).endswith("!"):
                problems.append(f"{where}({arg_name}): required in the reference, missing here")
    return problems


@pytest.mark.parametrize("gql_type", subset_types(), ids=lambda t: t.name)
def test_subset_type_matches_reference(gql_type):
    theirs = reference().get_type(gql_type.name)
    assert theirs is not None, f"type {gql_type.name}: not in the reference"
    assert type(gql_type) is type(theirs), (
        f"type {gql_type.name}: {type(gql_type).__name__} here, "
        f"{type(theirs).__name__} in the reference"
    )
    root = gql_type.name in ("Query", "Mutation")
    problems: list[str] = []
    if isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType):
        problems += _check_fields(gql_type.name, gql_type, theirs, complete_args=root)
        ours_if = sorted(i.name for i in gql_type.interfaces)
        theirs_if = sorted(i.name for i in theirs.interfaces)
        if ours_if != theirs_if:
            problems.append(f"type {gql_type.name}: implements {ours_if}, reference {theirs_if}")
    elif isinstance(gql_type, GraphQLInputObjectType):
        for field_name, field in gql_type.fields.items():
            problems += _check_argument(
                f"{gql_type.name}.{field_name}", field, theirs.fields.get(field_name)
            )
        missing = sorted(set(theirs.fields) - set(gql_type.fields))
        if missing:
            problems.append(f"input {gql_type.name}: fields missing from the subset: {missing}")
    elif isinstance(gql_type, GraphQLEnumType):
        extra = sorted(set(gql_type.values) - set(theirs.values))
        missing = sorted(set(theirs.values) - set(gql_type.values))
        if extra:
            problems.append(f"enum {gql_type.name}: values not in the reference: {extra}")
        if missing:
            problems.append(f"enum {gql_type.name}: values missing from the subset: {missing}")
    elif isinstance(gql_type, GraphQLUnionType):
        extra = sorted({t.name for t in gql_type.types} - {t.name for t in theirs.types})
        if extra:
            problems.append(f"union {gql_type.name}: members not in the reference: {extra}")
    else:
        assert isinstance(gql_type, GraphQLScalarType)
    assert not problems, "\n".join(problems)


def test_subset_root_operation_types_match_reference():
    assert subset().query_type.name == reference().query_type.name
    assert subset().mutation_type.name == reference().mutation_type.name
    assert subset().subscription_type is None
