"""Healthie contract: our operations and our subset SDL against Healthie's 2026-01-01 reference.

(a) every operation document validates against the reference SDL and against the subset the
    sandbox serves;
(b) every type, field, argument and enum value in the subset exists identically in the reference
    (same names, same types including nullability and list wrappers, same defaults where the
    reference has them). Input objects and enums must be complete, and every root field keeps all
    of its reference arguments, so the sandbox accepts exactly what Healthie accepts.
"""

import pytest

from integrations.contracts import reference_path
from tests.integrations.contract_checks import Contract, operation_of, validate_against

CONTRACT = Contract("healthie", "schema-2026-01-01.graphql", label="Healthie")
OPERATIONS = CONTRACT.operations


def test_reference_path_points_beside_the_checkout():
    path = reference_path("healthie", CONTRACT.reference_file)
    assert path.parts[-4:] == ("shared", "vendor-contracts", "healthie", CONTRACT.reference_file)
    assert path.exists(), path


def test_operations_exist():
    assert len(OPERATIONS) >= 17
    names = {p.stem for p in OPERATIONS}
    assert {"appointmentTypes", "completeCheckout", "updateAppointment", "users"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_one_named_operation_named_after_its_file(path):
    operation = operation_of(path)
    assert operation.name is not None, f"{path.name}: operation must be named"
    assert operation.name.value == path.stem, f"{path.name}: name {operation.name.value}"


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_reference(path):
    errors = validate_against(CONTRACT.reference, path)
    assert not errors, f"{path.name} vs Healthie 2026-01-01: " + "; ".join(errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_subset(path):
    errors = validate_against(CONTRACT.subset, path)
    assert not errors, f"{path.name} vs subset SDL: " + "; ".join(errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_mutations_select_messages(path):
    operation = operation_of(path)
    if operation.operation.value != "mutation":
        return
    for root in operation.selection_set.selections:
        selected = {s.name.value: s for s in root.selection_set.selections}
        assert "messages" in selected, f"{path.name}: {root.name.value} must select messages"
        inner = {s.name.value for s in selected["messages"].selection_set.selections}
        assert inner == {"field", "message"}, f"{path.name}: messages {{ field message }}"


def test_subset_root_fields_are_exactly_the_operations_root_fields():
    problems = CONTRACT.root_field_mismatches()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("gql_type", CONTRACT.subset_types(), ids=lambda t: t.name)
def test_subset_type_matches_reference(gql_type):
    problems = CONTRACT.type_mismatches(gql_type)
    assert not problems, "\n".join(problems)


def test_subset_root_operation_types_match_reference():
    problems = CONTRACT.root_type_mismatches()
    assert not problems, "\n".join(problems)
