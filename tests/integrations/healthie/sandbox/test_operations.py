"""Every operation document the client sends runs against the sandbox, and the sandbox serves
every root field of the subset SDL."""

from pathlib import Path

from graphql import OperationDefinitionNode, parse

from integrations.healthie.sandbox import graphql_api

OPERATIONS = Path(graphql_api.__file__).resolve().parents[1] / "operations"
NEW_YORK = "America/New_York"


def run(gql, name, variables, **request_options):
    document = (OPERATIONS / f"{name}.graphql").read_text()
    body = gql(document, variables, **request_options)
    assert "errors" not in body, body["errors"]
    return body["data"][name]


def test_every_operation_document_executes(gql):
    executed = set()

    def op(name, variables, **request_options):
        executed.add(name)
        return run(gql, name, variables, **request_options)

    # The public booking flow, keyless as Healthie's widget does it.
    types = op("appointmentTypes", {"clients_can_book": True, "first": 3}, key=None)
    assert [t["id"] for t in types["nodes"]] == ["301", "302", "303"]
    assert types["total_count"] == 4 and types["page_info"]["has_next_page"]
    video = op("appointmentType", {"id": "302"}, key=None)
    assert video == {
        "id": "302",
        "name": "Video Follow-up",
        "length": 30,
        "available_contact_types": ["Healthie Video Call"],
        "clients_can_book": True,
        "is_group": False,
    }
    where = {"provider_id": "101", "appt_type_id": "302", "timezone": NEW_YORK}
    days = op("daysAvailableForRange", {**where, "date_from_month": "2026-12-15"}, key=None)
    assert days[:3] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    first = op("nextAvailableSlot", where, key=None)
    assert first == "2026-12-01 12:00:00 -0500"
    wednesday = {**where, "start_date": "2026-12-02", "end_date": "2026-12-02"}
    found = op(
        "availableSlotsForRange",
        {**wednesday, "contact_type": "Healthie Video Call", "end_date_boundary": "2026-12-31"},
        key=None,
    )
    assert found[0] == {
        "date": "2026-12-02T09:00:00-05:00",
        "user_id": "101",
        "is_fully_booked": False,
    }
    booked = op(
        "completeCheckout",
        {
            "appointment_type_id": "302",
            "contact_type": "Healthie Video Call",
            "date": "2026-12-02T16:00:00-05:00",
            "timezone": NEW_YORK,
            "provider_id": "101",
            "first_name": "Pat",
            "last_name": "Doe",
            "email": "pat.doe@example.com",
            "phone_number": "5550100100",
            "stripe_idempotency_key": "6a1f0e0c-booking-1",
        },
        key=None,
    )
    assert booked["messages"] is None
    appointment = booked["appointment"]
    assert (appointment["id"], appointment["date"], appointment["length"]) == (
        "50007",
        "2026-12-02T16:00:00-05:00",
        30,
    )
    assert appointment["provider"] == {"id": "101", "first_name": "Maya", "last_name": "Chen"}

    # Staff operations, with the key.
    patients = op("users", {"keywords": "pat.doe@example.com", "active_status": "active"})
    assert patients["nodes"] == [
        {"id": "107", "email": "pat.doe@example.com", "first_name": "Pat", "last_name": "Doe"}
    ]
    members = op("organizationMembers", {"first": 2})
    assert members["total_count"] == 3 and members["page_info"]["has_next_page"]
    assert [m["timezone"] for m in members["nodes"]] == ["America/Los_Angeles", NEW_YORK]
    setting = op("appointmentSetting", {"provider_id": "102"})
    assert setting["base_calendar_interval"] == "FIFTEEN_MINUTES" and setting["buffer"] == "10"
    assert setting["booking_interval_restriction"] is None
    assert setting["patient_reschedule_count_cap"] == "1"

    moved = op(
        "updateAppointment",
        {
            "id": "50007",
            "datetime": "2026-12-02 16:30:00",
            "timezone": NEW_YORK,
            "enforce_availability": True,
            "external_videochat_url": "https://video.example.com/room/50007",
        },
    )
    assert moved["messages"] is None
    assert moved["appointment"]["date"] == "2026-12-02T16:30:00-05:00"
    assert moved["appointment"]["external_videochat_url"].endswith("/50007")
    refused = op(
        "updateAppointment",
        {"id": "50007", "datetime": "2026-12-02T10:00:00-05:00", "enforce_availability": True},
    )
    assert refused["messages"] == [
        {"field": "date", "message": "This time slot is no longer available"}
    ]
    cancelled = op("updateAppointment", {"id": "50001", "pm_status": "Cancelled"})
    assert cancelled["appointment"]["pm_status"] == "Cancelled"
    assert op("deleteAppointment", {"id": "50002"}) == {
        "appointment": {"id": "50002"},
        "messages": None,
    }
    assert op("appointment", {"id": "50002"}) is None
    deleted = op("appointment", {"id": "50002", "include_deleted": True})
    assert deleted["deleted_at"] == "2026-12-01T10:00:00-05:00"
    listed = op(
        "appointments",
        {
            "provider_id": "101",
            "startDate": "2026-12-02T00:00:00-05:00",
            "endDate": "2026-12-03T00:00:00-05:00",
            "with_all_statuses": True,
            "include_blockers": False,
            "order_by": "DATE_ASC",
            "first": 10,
        },
    )
    assert [(a["id"], a["pm_status"]) for a in listed["nodes"]] == [
        ("50001", "Cancelled"),
        ("50003", "Cancelled"),
        ("50007", None),
    ]
    assert listed["total_count"] == 3 and listed["page_info"]["has_next_page"] is False

    created = op(
        "createAvailability",
        {
            "user_id": "101",
            "is_repeating": True,
            "day_of_week": 6,
            "range_start": "December 5, 2026",
            "time": "10 00",
            "end_time": "12 00",
            "timezone": NEW_YORK,
        },
    )
    assert created["messages"] is None
    availability = created["availability"]
    assert availability == {
        "id": "4021",
        "user_id": 101,
        "is_repeating": True,
        "repeating_availability_id": "4021",
        "day_of_week": 6,
        "range_start": "2026-12-05T10:00:00-05:00",
        "range_end": "2026-12-05T12:00:00-05:00",
        "end_on": None,
        "duration_string": "2h",
        "timezone": NEW_YORK,
        "appointment_type_id": None,
        "contact_type_id": None,
    }
    edited = op(
        "editAvailability",
        {
            "id": "4021",
            "range_start": "December 5, 2026",
            "time": "10 00",
            "end_time": "13 30",
            "end_on": "December 26, 2026",
        },
    )
    assert edited["availability"]["duration_string"] == "3h 30m"
    assert edited["availability"]["end_on"] == "2026-12-26"
    week = op(
        "availabilities",
        {
            "provider_id": "101",
            "is_repeating": True,
            "startDate": "2026-12-05",
            "endDate": "2026-12-06",
            "timezone": NEW_YORK,
        },
    )
    # Padded by 12 hours before and 24 after: from Friday noon to Monday midnight.
    assert [a["id"] for a in week] == ["4005-2026-12-04", "4021-2026-12-05"]
    assert week[0]["repeating_availability_id"] == "4005"
    assert op("availabilities", {"provider_id": "101"}) == []  # neither one_time nor is_repeating
    assert op("deleteAvailability", {"id": "4021"}) == {
        "availability": {"id": "4021"},
        "messages": None,
    }
    # A blocker: the provider's time off, no patient, type or contact type; listed with
    # include_blockers (Healthie's default), left out with include_blockers: false.
    blocked = op(
        "createAppointment",
        {
            "is_blocker": True,
            "providers": "101",
            "datetime": "2026-12-07T09:00:00",
            "end_date": "2026-12-07T12:00:00-05:00",
            "timezone": NEW_YORK,
            "notes": "Training",
        },
    )
    assert blocked["messages"] is None
    blocker = blocked["appointment"]
    assert (blocker["is_blocker"], blocker["length"], blocker["notes"]) == (True, 180, "Training")
    assert (blocker["date"], blocker["user"], blocker["appointment_type"]) == (
        "2026-12-07T09:00:00-05:00",
        None,
        None,
    )
    monday = {"provider_id": "101", "startDate": "2026-12-07", "endDate": "2026-12-07"}
    # Our document sends include_blockers (false unless asked); Healthie's own default (true)
    # is the sandbox's when the argument is absent (sandbox/test_blockers.py).
    listed = op("appointments", {**monday, "include_blockers": True})["nodes"]
    assert [(a["id"], a["notes"]) for a in listed if a["is_blocker"]] == [
        (blocker["id"], "Training")
    ]
    assert all("notes" not in a for a in op("appointments", monday)["nodes"])
    assert op("appointments", {**monday, "include_blockers": False})["nodes"] == []
    patient = op("user", {"id": appointment["user"]["id"]})
    assert (patient["email"], patient["phone_number"]) == ("pat.doe@example.com", "5550100100")

    # Webhook registration: Healthie generates the secret; expiring it replaces it.
    events = [{"event_type": "APPOINTMENT_CREATED"}, {"event_type": "APPOINTMENT_UPDATED"}]
    made = op("createWebhook", {"url": "https://clinic.example/hook/", "webhook_events": events})
    assert made["messages"] is None
    webhook = made["webhook"]
    assert webhook["is_enabled"] and len(webhook["signature_secret"]) >= 32
    assert [e["event_type"] for e in webhook["webhook_events"]] == [
        "APPOINTMENT_CREATED",
        "APPOINTMENT_UPDATED",
    ]
    listed = op("webhooks", {})
    assert [w["id"] for w in listed["nodes"]] == [webhook["id"]]
    updated = op(
        "updateWebhook",
        {"id": webhook["id"], "url": "https://clinic.example/h/", "webhook_events": events[:1]},
    )
    assert updated["webhook"]["url"] == "https://clinic.example/h/"
    assert [e["event_type"] for e in updated["webhook"]["webhook_events"]] == [
        "APPOINTMENT_CREATED"
    ]
    rotated = op("expireWebhookSignature", {"id": webhook["id"]})
    assert rotated["webhook"]["signature_secret"] != webhook["signature_secret"]

    documents = {path.stem for path in OPERATIONS.glob("*.graphql")}
    assert executed == documents


def test_operation_files_are_named_after_their_operation():
    for path in OPERATIONS.glob("*.graphql"):
        (definition,) = parse(path.read_text()).definitions
        assert isinstance(definition, OperationDefinitionNode)
        assert definition.name.value == path.stem


def test_every_root_field_of_the_subset_has_a_resolver():
    schema = graphql_api.schema()
    for root, resolvers in graphql_api.ROOT_RESOLVERS.items():
        assert set(schema.type_map[root].fields) == set(resolvers)


def test_availability_input_formats(gql):
    def create(**overrides):
        variables = {
            "is_repeating": False,
            "range_start": "December 12, 2026",
            "time": "07 30",
            "end_time": "19 00",
            **overrides,
        }
        return run(gql, "createAvailability", variables)

    one_time = create()["availability"]
    assert (one_time["range_start"], one_time["range_end"]) == (
        "2026-12-12T07:30:00-05:00",
        "2026-12-12T19:00:00-05:00",
    )
    assert one_time["user_id"] == 101 and one_time["repeating_availability_id"] is None
    iso_day = create(range_start="2026-12-13", timezone="America/Los_Angeles")["availability"]
    assert iso_day["range_start"] == "2026-12-13T07:30:00-08:00"
    for field, overrides in [
        ("range_start", {"range_start": "12/12/2026"}),
        ("range_start", {"range_start": None}),
        ("time", {"time": "7:3"}),
        ("end_time", {"end_time": "25 00"}),
        ("timezone", {"timezone": "Eastern"}),
        ("end_time", {"end_time": "07 00"}),
        ("user_id", {"user_id": "999"}),
    ]:
        result = create(**overrides)
        assert result["availability"] is None
        assert [m["field"] for m in result["messages"]] == [field], overrides
    slots = run(
        gql,
        "availableSlotsForRange",
        {
            "provider_id": "101",
            "appt_type_id": "302",
            "start_date": "2026-12-12",
            "end_date": "2026-12-12",
        },
        key=None,
    )
    assert slots[0]["date"] == "2026-12-12T07:30:00-05:00" and len(slots) == 23
