"""The calendar grid: appointments, blocked time, open hours and the clock laid out as a table,
by wall-clock time in the clinic's zone. Pure: the view reads Healthie and the mirror and passes
them in. A blocker (a provider's time off) is an entry too, but no appointment: it is drawn as
"Blocked" over every cell it covers and has no panel.

Rows are half hours of the clinic's wall clock (7 AM to 7 PM, widened to fit what is on the
calendar), so a week across a DST change shows 9:00 AM on 9:00 AM both sides of it; each cell's
instants are computed from its own date, never by adding hours to a Monday.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from integrations.healthie.types import Appointment
from scheduling.common import timefmt
from scheduling.models import Booking

SLOT_MINUTES = 30
FIRST_ROW, LAST_ROW = 7 * 60, 19 * 60  # minutes after midnight: the rows always shown
STATUS_LABELS = {
    "cancelled": "Cancelled",
    "no-show": "No-show",
    "occurred": "Occurred",
    "re-scheduled": "Re-scheduled",
}


@dataclass
class Entry:
    """One appointment on the calendar, with what the mirror knows of it."""

    appointment: Appointment
    start: datetime  # in the clinic's zone
    end: datetime
    patient: str
    booking: Booking | None
    past: bool

    @property
    def id(self) -> str:
        return self.appointment.id

    @property
    def blocked(self) -> bool:
        """Blocked time (a Healthie blocker), not an appointment."""
        return self.appointment.is_blocker

    @property
    def reason(self) -> str:
        return self.appointment.notes or ""

    @property
    def status(self) -> str:
        if self.appointment.deleted_at is not None:
            return "Deleted"
        return STATUS_LABELS.get((self.appointment.pm_status or "").strip().lower(), "")

    @property
    def active(self) -> bool:
        return self.appointment.is_active

    @property
    def time_label(self) -> str:
        return f"{timefmt.clock(self.start)} – {timefmt.clock(self.end)}"

    @property
    def origin(self) -> str:
        if self.booking is None:
            return "Made in Healthie (not in this app)"
        if self.booking.page_id is None:
            return "Made in Healthie (mirrored)"
        return "Booked online"

    @property
    def parts(self) -> list:
        return list(self.booking.provisions.all()) if self.booking else []

    @property
    def attention(self) -> bool:
        return any(p.status == p.Status.FAILED for p in self.parts)

    @property
    def url(self) -> str:
        return reverse("staff:appointment", args=[self.id])


@dataclass
class Cell:
    entries: list[Entry] = field(default_factory=list)
    open: bool = False
    past: bool = False
    blocked: bool = False  # a blocker covers some of this half hour


@dataclass
class Row:
    label: str
    now: bool
    cells: list[Cell]


@dataclass(frozen=True)
class Column:
    key: str | date  # a provider id (day view) or a date (week view)
    label: str
    note: str = ""


def entry_of(
    appointment: Appointment, *, tz: str, booking: Booking | None, patient: str, now: datetime
) -> Entry:
    zone = ZoneInfo(tz)
    start = appointment.start.astimezone(zone)
    end = (appointment.end or appointment.start + timedelta(minutes=30)).astimezone(zone)
    return Entry(appointment, start, end, patient, booking, past=end <= now)


def _minutes(instant: datetime) -> int:
    return instant.hour * 60 + instant.minute


def _row_span(entries: list[Entry], periods: list[tuple[datetime, datetime]], tz: str):
    """The first and last row (minutes after midnight) that show everything on the calendar."""
    first, last = FIRST_ROW, LAST_ROW
    zone = ZoneInfo(tz)
    for start, end in [(e.start, e.end) for e in entries] + periods:
        start, end = start.astimezone(zone), end.astimezone(zone)
        first = min(first, _minutes(start))
        last = 24 * 60 if end.date() > start.date() else max(last, _minutes(end))
    first -= first % SLOT_MINUTES
    last += -last % SLOT_MINUTES
    return first, last


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=minutes // (24 * 60)), time(), zone).replace(
        hour=(minutes // 60) % 24, minute=minutes % 60
    )


def _exists(day: date, minutes: int, zone: ZoneInfo) -> bool:
    """Whether the clinic's clock shows this time on `day` (not in the hour skipped in spring)."""
    wall = _instant(day, minutes, zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


def build(
    *,
    columns: list[Column],
    days: list[date],
    entries: list[Entry],
    open_periods: dict,
    tz: str,
    now: datetime,
) -> list[Row]:
    """The table's rows. `columns` are providers (one day in `days`) or days (the week);
    `open_periods` maps a column key to its (opens, closes) instants."""
    zone = ZoneInfo(tz)
    every_period = [p for periods in open_periods.values() for p in periods]
    first, last = _row_span(entries, every_period, tz)
    by_provider = len(days) == 1
    rows = []
    for minutes in range(first, last, SLOT_MINUTES):
        if by_provider and not _exists(days[0], minutes, zone):
            continue  # the hour the clocks skip (2 AM on the spring change) has no row
        cells = []
        is_now = False
        for column in columns:
            day = days[0] if by_provider else column.key
            start = _instant(day, minutes, zone)
            end = _instant(day, minutes + SLOT_MINUTES, zone)
            is_now = is_now or start <= now < end
            cell = Cell(
                open=any(o < end and c > start for o, c in open_periods.get(column.key, ())),
                past=end <= now,
            )
            for entry in entries:
                if by_provider and entry.appointment.provider_id != column.key:
                    continue
                if entry.blocked and entry.start < end and entry.end > start:
                    cell.blocked = True
                if (
                    entry.start.date() == day
                    and minutes <= _minutes(entry.start) < minutes + SLOT_MINUTES
                ):
                    cell.entries.append(entry)
            cells.append(cell)
        label = timefmt.clock(datetime.combine(date.min, time(minutes // 60 % 24, minutes % 60)))
        rows.append(Row(label=label, now=is_now, cells=cells))
    return rows
