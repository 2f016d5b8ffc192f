"""BetterPT contract: our operations and our subset SDL against the inferred reference schema.

(a) every operation document validates against `schema-inferred-current.graphql` and against the
    subset the sandbox serves, and declares its input variables non-null (the seed's nullable
    `$input` fails validation);
(b) every type, field and argument in the subset exists identically in the reference (names,
    types with nullability and list wrappers, defaults). Input objects are complete and root
    fields keep all their reference arguments, so the sandbox accepts what BetterPT accepts.
"""

import pytest
from graphql import parse, validate

from integrations.betterpt.client import BetterPTClient
from tests.integrations.contract_checks import Contract, operation_of, validate_against

CONTRACT = Contract("betterpt", "schema-inferred-current.graphql", label="BetterPT")
OPERATIONS = CONTRACT.operations


def test_the_four_documented_operations_exist():
    assert {p.stem for p in OPERATIONS} == {
        "createPartnerVideoRoom",
        "partnerVideoRoom",
        "reschedulePartnerVideoRoom",
        "cancelPartnerVideoRoom",
    }
    writes = {name for name, (_, is_write) in BetterPTClient.operations().items() if is_write}
    assert writes == {
        "createPartnerVideoRoom",
        "reschedulePartnerVideoRoom",
        "cancelPartnerVideoRoom",
    }


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_is_named_after_its_file_and_root_field(path):
    operation = operation_of(path)
    assert operation.name is not None and operation.name.value == path.stem
    roots = [s.name.value for s in operation.selection_set.selections]
    assert roots == [path.stem]


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_reference(path):
    errors = validate_against(CONTRACT.reference, path)
    assert not errors, f"{path.name} vs inferred reference: " + "; ".join(errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_operation_validates_against_subset(path):
    errors = validate_against(CONTRACT.subset, path)
    assert not errors, f"{path.name} vs subset SDL: " + "; ".join(errors)


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_variables_are_declared_non_null(path):
    for definition in operation_of(path).variable_definitions:
        name = definition.variable.name.value
        assert definition.type.kind == "non_null_type", f"{path.name}: ${name} needs a !"


def test_the_seeds_nullable_input_variable_fails_validation():
    seed = """mutation createPartnerVideoRoom($input: CreatePartnerVideoRoomInput){
      createPartnerVideoRoom(input: $input){ uid }
    }"""
    assert validate(CONTRACT.reference, parse(seed))


def test_time_zone_is_a_string_in_the_inferred_schema():
    # The 2020 SDL had an enum (America_New_York); every example sends "America/New_York".
    field = CONTRACT.reference.type_map["CreatePartnerVideoRoomInput"].fields["timeZone"]
    assert str(field.type) == "String!"


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
