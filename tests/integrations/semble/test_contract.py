"""Semble contract: our operations and our subset SDL against the partial reference schema.

(a) every operation document validates against `schema-partial-from-docs.graphql` and against
    the subset the sandbox serves; mutations select their payload's `data` and `error`;
(b) every type, field and argument in the subset exists identically in the reference. Input
    objects are complete and root fields keep all their reference arguments. Types the reference
    marks STUB appear only where a complete input or root argument reaches them.
"""

import re

import pytest
from graphql import parse, validate

from integrations.semble.client import SembleClient
from tests.integrations.contract_checks import Contract, operation_of, validate_against

CONTRACT = Contract("semble", "schema-partial-from-docs.graphql", label="Semble")
OPERATIONS = CONTRACT.operations
# Input types the subset must carry because complete inputs reach them.
NEEDED_STUBS = {"DateRange", "PlaceOfBirthInput", "AddCustomAttributeData", "INSInput"}


def stub_types() -> set[str]:
    """Types the reference marks `# STUB` on their definition line."""
    found = set()
    for line in CONTRACT.reference_text.splitlines():
        match = re.match(r"\s*(?:type|input)\s+(\w+).*#\s*STUB", line)
        if match:
            found.add(match[1])
    return found


def test_the_operations_exist():
    assert {p.stem for p in OPERATIONS} == {
        "patients",
        "createPatient",
        "createIntegrationToken",
        "integrationToken",
    }
    writes = {name for name, (_, is_write) in SembleClient.operations().items() if is_write}
    assert writes == {"createPatient", "createIntegrationToken"}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_named_after_its_file_and_root_field(path):
    operation = operation_of(path)
    assert operation.name is not None and operation.name.value == path.stem
    assert [s.name.value for s in operation.selection_set.selections] == [path.stem]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_reference(path):
    errors = validate_against(CONTRACT.reference, path)
    assert not errors, f"{path.name} vs Semble reference: " + "; ".join(errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_subset(path):
    errors = validate_against(CONTRACT.subset, path)
    assert not errors, f"{path.name} vs subset SDL: " + "; ".join(errors)


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
    assert validate(CONTRACT.reference, parse(wrong))


def test_subset_root_fields_are_exactly_the_operations_root_fields():
    problems = CONTRACT.root_field_mismatches()
    assert not problems, "\n".join(problems)


def test_stub_types_are_kept_to_the_minimum():
    ours, theirs = CONTRACT.subset.type_map, CONTRACT.reference.type_map
    stubs_here = stub_types() & set(ours)
    assert stubs_here == NEEDED_STUBS
    for name in stubs_here:  # copied as the placeholders they are, nothing invented
        assert set(ours[name].fields) == set(theirs[name].fields)


@pytest.mark.parametrize("gql_type", CONTRACT.subset_types(), ids=lambda t: t.name)
def test_subset_type_matches_reference(gql_type):
    problems = CONTRACT.type_mismatches(gql_type)
    assert not problems, "\n".join(problems)


def test_subset_root_operation_types_match_reference():
    problems = CONTRACT.root_type_mismatches()
    assert not problems, "\n".join(problems)
