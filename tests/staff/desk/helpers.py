"""Reading the front desk's pages as a screen reader would: the calendar table by its row and
column headers, the panel's forms by their actions."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client

from tests.scheduling.html import Element, Page

NEW_YORK = ZoneInfo("America/New_York")


def calendar_cells(response) -> dict[tuple[str, str], list[str]]:
    """(row header, column header) -> the Healthie ids of the appointments linked in that cell,
    for the calendar table (columns named by their header's text, before any note)."""
    page = Page(response)
    table = next(e for e in page.iter() if e.tag == "table")
    heads = [th for th in table.iter() if th.tag == "th" and th.get("scope") == "col"]
    columns = [_first_line(th) for th in heads[1:]]
    found: dict[tuple[str, str], list[str]] = {}
    for row in (e for e in table.iter() if e.tag == "tr"):
        header = next((c for c in row.children if isinstance(c, Element) and c.tag == "th"), None)
        if header is None or header.get("scope") != "row":
            continue
        label = header.text.removesuffix(" now")
        cells = [c for c in row.children if isinstance(c, Element) and c.tag == "td"]
        for column, cell in zip(columns, cells, strict=True):
            ids = [a["data-appointment"] for a in cell.iter() if a.get("data-appointment")]
            if ids:
                found[(label, column)] = ids
    return found


def _first_line(th: Element) -> str:
    texts = [c for c in th.children if isinstance(c, str)]
    return " ".join("".join(texts).split())


def where(cells: dict, appointment_id: str) -> tuple[str, str]:
    """The (row, column) a given appointment is drawn in; fails when it is not exactly once."""
    places = [key for key, ids in cells.items() if appointment_id in ids]
    assert len(places) == 1, f"appointment {appointment_id} drawn at {places}"
    return places[0]


def spoken_date(instant: datetime, zone=NEW_YORK) -> str:
    """ "Monday, March 15, 2027" in the clinic's zone (computed here, not by the app)."""
    day = instant.astimezone(zone)
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def form_key(client: Client, appointment_id: str, action: str) -> dict:
    """The hidden fields (CSRF token, idempotency key) of the panel's `action` form."""
    panel = client.get(f"/staff/appointments/{appointment_id}/")
    assert panel.status_code == 200, panel.content[:500]
    return Page(panel).form(f"/staff/appointments/{appointment_id}/{action}").hidden_fields()
