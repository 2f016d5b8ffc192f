"""Semble contract: our operations and our subset SDL against the partial reference schema.

(a) every operation document validates against `schema-partial-from-docs.graphql` and against
    the subset the sandbox serves; mutations select their payload's `data` and `error`;
(b) every type, field and argument in the subset exists identically in the reference. Input
    objects are complete and root fields keep all their reference arguments. Types the reference
    marks STUB appear only where a complete input or root argument reaches them.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
    validate,
)
from graphql.type.introspection import introspection_types
from graphql.type.scalars import specified_scalar_types

from integrations.contracts import reference_path
from integrations.semble.client import load_operations

PACKAGE = Path(__file__).resolve().parents[3] / "integrations" / "semble"
OPERATIONS = sorted((PACKAGE / "operations").glob("*.graphql"))
SUBSET = PACKAGE / "sandbox" / "schema.graphql"
REFERENCE_FILE = "schema-partial-from-docs.graphql"
BUILT_IN = set(introspection_types) | set(specified_scalar_types)
# Input types the subset must carry because complete inputs reach them.
NEEDED_STUBS = {"DateRange", "PlaceOfBirthInput", "AddCustomAttributeData", "INSInput"}


@cache
def reference_text() -> str:
    path = reference_path("semble", REFERENCE_FILE)
    if not path.exists():
        pytest.fail(f"Semble reference SDL missing at {path} (../shared beside the checkout)")
    return path.read_text()


@cache
def reference() -> GraphQLSchema:
    return build_schema(reference_text())


@cache
def subset() -> GraphQLSchema:
    return build_schema(SUBSET.read_text())


def stub_types() -> set[str]:
    """Types the reference marks `# STUB` on their definition line."""
    found = set()
    for line in reference_text().splitlines():
        match = re.match(r"\s*(?:type|input)\s+(\w+).*#\s*STUB", line)
        if match:
            found.add(match[1])
    return found


def subset_types():
    return sorted(
        (t for name, t in subset().type_map.items() if name not in BUILT_IN),
        key=lambda t: t.name,
    )


def operation_of(path: Path) -> OperationDefinitionNode:
    document = parse(path.read_text())
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, f"{path.name}: expected exactly one operation"
    return operations[0]


def test_the_operations_exist():
    assert {p.stem for p in OPERATIONS} == {
        "patients",
        "createPatient",
        "createIntegrationToken",
        "integrationToken",
    }
    writes = {name for name, (_, is_write) in load_operations().items() if is_write}
    assert writes == {"createPatient", "createIntegrationToken"}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_named_after_its_file_and_root_field(path):
    operation = operation_of(path)
    assert operation.name is not None and operation.name.value == path.stem
    assert [s.name.value for s in operation.selection_set.selections] == [path.stem]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_reference(path):
    errors = validate(reference(), parse(path.read_text()))
    assert not errors, f"{path.name} vs Semble reference: " + "; ".join(e.message for e in errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_subset(path):
    errors = validate(subset(), parse(path.read_text()))
    assert not errors, f"{path.name} vs subset SDL: " + "; ".join(e.message for e in errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_mutations_select_data_and_error(path):
    operation = operation_of(path)
    if operation.operation.value != "mutation":
        return
    for root in operation.selection_set.selections:
        selected = {s.name.value for s in root.selection_set.selections}
        assert {"data", "error"} <= selected, f"{path.name}: select data {{ ... }} and error"


@pytest.mark.parametrize(
    "wrong",
    [
        'mutation { createIntegrationToken(patient: "1") { token } }',  # the seed's shape
        'mutation { createIntegrationToken(patientId: "1") { data { token } error } }',
        'query { integrationToken(id: "abcd") { token } }',
    ],
)
def test_the_seeds_examples_fail_validation(wrong):
    assert validate(reference(), parse(wrong))


def test_subset_root_fields_are_exactly_the_operations_root_fields():
    used: dict[str, set[str]] = {"query": set(), "mutation": set()}
    for path in OPERATIONS:
        operation = operation_of(path)
        used[operation.operation.value].update(
            s.name.value for s in operation.selection_set.selections
        )
    assert set(subset().query_type.fields) == used["query"]
    assert set(subset().mutation_type.fields) == used["mutation"]


def test_stub_types_are_kept_to_the_minimum():
    stubs_here = stub_types() & set(subset().type_map)
    assert stubs_here == NEEDED_STUBS
    for name in stubs_here:  # copied as the placeholders they are, nothing invented
        assert set(subset().type_map[name].fields) == set(reference().type_map[name].fields)


def _check_argument(where, ours, theirs) -> list[str]:
    if theirs is None:
        return [f"{where}: not in the reference"]
    problems = []
    if str(ours.type) != str(theirs.type):
        problems.append(f"{where}: type {ours.type} here, {theirs.type} in the reference")
    if repr(ours.default_value) != repr(theirs.default_value):
        problems.append(f"{where}: default {ours.default_value!r} here, {theirs.default_value!r}")
    return problems


@pytest.mark.parametrize("gql_type", subset_types(), ids=lambda t: t.name)
def test_subset_type_matches_reference(gql_type):
    theirs = reference().get_type(gql_type.name)
    assert theirs is not None, f"type {gql_type.name}: not in the reference"
    assert type(gql_type) is type(theirs), f"type {gql_type.name}: kind differs"
    problems: list[str] = []
    if isinstance(gql_type, GraphQLObjectType):
        root = gql_type.name in ("Query", "Mutation")
        for name, field in gql_type.fields.items():
            where = f"{gql_type.name}.{name}"
            their_field = theirs.fields.get(name)
            if their_field is None:
                problems.append(f"{where}: field not in the reference")
                continue
            if str(field.type) != str(their_field.type):
                problems.append(f"{where}: type {field.type} here, {their_field.type} there")
            for arg_name, arg in field.args.items():
                problems += _check_argument(
                    f"{where}({arg_name})", arg, their_field.args.get(arg_name)
                )
            missing = set(their_field.args) - set(field.args)
            if missing and root:
                problems.append(f"{where}: arguments missing from the subset: {sorted(missing)}")
    elif isinstance(gql_type, GraphQLInputObjectType):
        for name, field in gql_type.fields.items():
            problems += _check_argument(f"{gql_type.name}.{name}", field, theirs.fields.get(name))
        missing = sorted(set(theirs.fields) - set(gql_type.fields))
        if missing:
            problems.append(f"input {gql_type.name}: fields missing from the subset: {missing}")
    else:
        assert isinstance(gql_type, GraphQLScalarType)
    assert not problems, "\n".join(problems)


def test_subset_root_operation_types_match_reference():
    assert subset().query_type.name == reference().query_type.name
    assert subset().mutation_type.name == reference().mutation_type.name
    assert subset().subscription_type is None
