"""Blocked time (Healthie blockers) on the front desk's calendar: drawn as "Blocked" over every
half hour it covers, in the clinic's zone across the DST change, not an appointment (no panel
link, not counted), and a block made in the editor shows on the next load."""

from datetime import UTC, datetime

from integrations.healthie.client import HealthieClient
from tests.scheduling.html import Page
from tests.staff.desk.helpers import NEW_YORK, calendar_cells

SUNDAY = datetime(2027, 3, 14, tzinfo=NEW_YORK).date()  # the US change to daylight time


def block(provider_id: str, start: datetime, end: datetime, reason: str | None = None) -> str:
    with HealthieClient() as healthie:
        return healthie.create_blocker(
            provider_id=provider_id,
            start=start,
            end=end,
            timezone="America/New_York",
            reason=reason,
        ).id


def cells_by_row(response) -> dict[str, dict]:
    """Row header -> the first provider column's cell (a one-provider day view)."""
    page = Page(response)
    rows = {}
    for tr in page.iter():
        cells = [c for c in tr.children if getattr(c, "tag", "") == "td"]
        header = next((c for c in tr.children if getattr(c, "tag", "") == "th"), None)
        if cells and header is not None:
            rows[header.text.removesuffix(" now").split(" now")[0]] = cells[0]
    return rows


def test_a_block_is_drawn_over_its_half_hours_and_is_no_appointment(desk, sandbox, pages):
    # Monday after the change: 9:00 to 12:00 EDT is 13:00 to 16:00 UTC.
    blocked_id = block(
        "101",
        datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 16, 0, tzinfo=UTC),
        reason="Team training",
    )
    params = {"date": "2027-03-15", "view": "day", "provider": "101"}
    response = desk.get("/staff/", params)
    assert response.status_code == 200
    rows = cells_by_row(response)
    covered = ["9:00 AM", "9:30 AM", "10:00 AM", "10:30 AM", "11:00 AM", "11:30 AM"]
    for label in covered:
        assert "blocked" in rows[label]["class"].split(), label
        assert "Blocked" in rows[label].text, label  # said in words, not by colour alone
    for label in ("8:30 AM", "12:00 PM"):
        assert "blocked" not in rows[label]["class"].split(), label
    drawn = [e for e in rows["9:00 AM"].iter() if e.get("data-block") == blocked_id]
    assert len(drawn) == 1
    assert drawn[0].tag == "div"  # not a link to an appointment panel
    assert drawn[0].text.startswith("Blocked 9:00 AM – 12:00 PM")
    assert "Team training" in drawn[0].text
    assert all(blocked_id not in ids for ids in calendar_cells(response).values())
    page = Page(response)
    assert not [a for a in page.links() if blocked_id in (a.get("href") or "")]
    assert page.text.count("0 appointments.") == 1  # the block is not counted as one


def test_a_week_across_the_change_keeps_blocks_at_their_local_time(desk, sandbox, pages):
    # Friday before (EST, UTC-5) and Sunday of the change (EDT, UTC-4): 9:00 AM local both.
    block("102", datetime(2027, 3, 12, 14, 0, tzinfo=UTC), datetime(2027, 3, 12, 15, 0, tzinfo=UTC))
    block("101", datetime(2027, 3, 14, 13, 0, tzinfo=UTC), datetime(2027, 3, 14, 14, 0, tzinfo=UTC))
    week = Page(desk.get("/staff/", {"date": SUNDAY.isoformat(), "view": "week"}))
    texts = [e.text for e in week.iter() if e.get("data-block")]
    assert texts == ["Blocked 9:00 AM – 10:00 AM Maya Chen"]  # only the Sunday is this week
    before = Page(desk.get("/staff/", {"date": "2027-03-12", "view": "week"}))
    assert [e.text for e in before.iter() if e.get("data-block")] == [
        "Blocked 9:00 AM – 10:00 AM Samuel Okafor"
    ]


def test_a_block_made_in_the_editor_shows_on_the_next_load(
    desk, admin_client_staff, sandbox, pages
):
    params = {"date": "2027-03-15", "view": "day", "provider": "101"}
    assert "blocked" not in cells_by_row(desk.get("/staff/", params))["10:00 AM"]["class"]
    editor = Page(admin_client_staff.get("/staff/availability/?provider=101"))
    fields = editor.form("/staff/availability/101/blocks/add/").hidden_fields()
    response = admin_client_staff.post(
        "/staff/availability/101/blocks/add/",
        {**fields, "day": "2027-03-15", "starts": "10:00", "ends": "10:30", "reason": ""},
    )
    assert response.status_code == 302
    rows = cells_by_row(desk.get("/staff/", params))  # cached 30 s, but our write dropped it
    assert "blocked" in rows["10:00 AM"]["class"].split()
    assert "blocked" not in rows["10:30 AM"]["class"].split()


def test_blocked_time_has_no_appointment_panel(desk, sandbox, pages):
    blocked_id = block(
        "101", datetime(2027, 3, 15, 13, 0, tzinfo=UTC), datetime(2027, 3, 15, 14, 0, tzinfo=UTC)
    )
    assert desk.get(f"/staff/appointments/{blocked_id}/").status_code == 404
    assert desk.get("/staff/appointments/50001/").status_code == 200  # a visit still has one
