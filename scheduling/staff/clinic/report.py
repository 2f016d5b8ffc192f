"""The attendance report: each past visit in a date range with what the vendors know, and totals.

Visits are Healthie's past appointments (the source of truth, so visits booked elsewhere count
too), matched to the mirror's bookings for the patient's name and what was provisioned. Per
visit the report reads BetterPT's room (attendance and durations, filled about two hours after
the start) and HCW@Home's invite and consultation (not started, patient waiting, in progress,
closed, invite deleted); Qualiphy's exam verdicts are the ones its webhook recorded.

Bounded: at most MAX_VISITS visits (Healthie pages of 50), each vendor answer cached (for a day
once final, a minute while still open), and a vendor that fails makes its column "unknown" for
that visit instead of failing the page.

Who attended, first answer wins: Healthie's pm_status "No-Show" (staff said so); BetterPT's
didPatientAttend; Healthie's "Occurred"; an HCW@Home consultation (HCW opens one only when the
patient comes in from the link). Else "pending" while BetterPT may still fill it in, "unknown"
otherwise. Show rate = attended / (attended + no-shows): visits nobody can tell about are left
out of it.
"""

import csv
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from integrations.errors import VendorError
from integrations.hcw import types as hcw_types
from integrations.healthie.types import Appointment
from scheduling.common.upstream import UpstreamUnavailable, betterpt, hcw
from scheduling.models import Booking, Provision
from scheduling.staff.clinic import selectors

logger = logging.getLogger(__name__)

MAX_VISITS = 300
PAGE_SIZE = 50  # Healthie's appointments page
BETTERPT_FILLS_AFTER = timedelta(hours=2)
FINAL_SECONDS = 24 * 3600
OPEN_SECONDS = 60
UNKNOWN = "unknown"
VENDOR_READERS = 8  # vendor reads in flight at once for one report

ATTENDED, NO_SHOW, PENDING = "attended", "no-show", "pending"
OUTCOME_LABELS = {ATTENDED: "Attended", NO_SHOW: "No-show", PENDING: "Pending", UNKNOWN: "Unknown"}
NOT_VISITS = {"cancelled", "re-scheduled"}  # pm_status of appointments that did not take place


@dataclass(frozen=True)
class VideoAttendance:
    did_patient_attend: bool | None
    did_provider_attend: bool | None
    patient_minutes: int | None
    provider_minutes: int | None


@dataclass(frozen=True)
class Visit:
    appointment_id: str
    start: datetime  # aware, in the report's zone
    provider_name: str
    patient_name: str  # from the mirror; empty when booked elsewhere and not mirrored
    type_name: str
    contact_type: str
    healthie_status: str
    video_vendor: str  # "BetterPT", "HCW@Home" or ""
    video: VideoAttendance | str | None  # BetterPT: the figures, or UNKNOWN; None: no room
    hcw_status: str | None  # HCW@Home's consultation state, UNKNOWN, or None: no invite
    exam_status: str | None  # Qualiphy's recorded verdicts, or None: no exams
    outcome: str

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class Totals:
    visits: int
    attended: int
    no_shows: int
    undetermined: int

    @property
    def show_rate(self) -> float | None:
        told = self.attended + self.no_shows
        return self.attended / told if told else None


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    zone: str
    visits: list[Visit]
    totals: Totals
    truncated: bool  # more than MAX_VISITS visits: only the first ones are shown


def build(*, start: date, end: date, provider_id: str | None, zone: str) -> Report:
    """The report for [start, end] (days in `zone`); raises UpstreamUnavailable when Healthie
    cannot list the appointments."""
    tz = ZoneInfo(zone)
    since = datetime.combine(start, time.min, tz)
    until = min(datetime.combine(end + timedelta(days=1), time.min, tz), timezone.now())
    appointments = []
    if since < until:
        appointments = selectors.appointments_between(
            start=since,
            end=until,
            provider_ids=[provider_id] if provider_id else None,
            max_pages=MAX_VISITS // PAGE_SIZE,
        )
    appointments = [a for a in appointments if _is_visit(a) and a.start < until]
    truncated = len(appointments) >= MAX_VISITS
    bookings = {
        b.healthie_appointment_id: b
        for b in Booking.objects.filter(
            healthie_appointment_id__in=[a.id for a in appointments]
        ).prefetch_related("provisions__exams")
    }
    names = {p.id: p.name for p in _providers_or_none()}
    appointments = appointments[:MAX_VISITS]
    answers = _vendor_answers([bookings[a.id] for a in appointments if a.id in bookings])
    visits = [_visit(a, bookings.get(a.id), names, tz, answers) for a in appointments]
    totals = Totals(
        visits=len(visits),
        attended=sum(v.outcome == ATTENDED for v in visits),
        no_shows=sum(v.outcome == NO_SHOW for v in visits),
        undetermined=sum(v.outcome in (PENDING, UNKNOWN) for v in visits),
    )
    return Report(start, end, zone, visits, totals, truncated)


def _providers_or_none():
    try:
        return selectors.providers()
    except UpstreamUnavailable:
        return []  # names come from the appointments themselves then


def _is_visit(appointment: Appointment) -> bool:
    if appointment.deleted_at is not None:
        return False
    return (appointment.pm_status or "").strip().lower() not in NOT_VISITS


def _vendor_answers(bookings: list[Booking]) -> dict:
    """(part, vendor id) -> what the vendor says, read side by side (VENDOR_READERS at once):
    a cold report of many video visits costs a few round trips, not one per visit."""
    wanted = [
        (p.part, p.external_id)
        for booking in bookings
        for p in booking.provisions.all()
        if p.part in READERS and p.external_id
    ]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=VENDOR_READERS) as pool:
        found = pool.map(lambda key: READERS[key[0]](key[1]), wanted)
        return dict(zip(wanted, found, strict=True))


def _visit(appointment: Appointment, booking, names: dict, tz: ZoneInfo, answers: dict) -> Visit:
    provisions = {p.part: p for p in booking.provisions.all()} if booking else {}
    room = provisions.get(Provision.Part.BETTERPT_ROOM)
    invite = provisions.get(Provision.Part.HCW_INVITE)
    exams = provisions.get(Provision.Part.QUALIPHY_EXAMS)
    video = answers.get((room.part, room.external_id)) if room and room.external_id else None
    hcw_status = (
        answers.get((invite.part, invite.external_id)) if invite and invite.external_id else None
    )
    status = appointment.pm_status or ""
    return Visit(
        appointment_id=appointment.id,
        start=appointment.start.astimezone(tz),
        provider_name=names.get(appointment.provider_id or "")
        or appointment.provider_name
        or (booking.provider_name if booking else ""),
        patient_name=booking.patient_name if booking else "",
        type_name=appointment.appointment_type_name
        or (booking.appointment_type_name if booking else ""),
        contact_type=appointment.contact_type or "",
        healthie_status=status,
        video_vendor="BetterPT" if room else "HCW@Home" if invite else "",
        video=video,
        hcw_status=hcw_status,
        exam_status=_exam_status(exams),
        outcome=_outcome(appointment, status, video, hcw_status),
    )


def _outcome(appointment: Appointment, status: str, video, hcw_status) -> str:
    said = status.strip().lower()
    if said == "no-show":
        return NO_SHOW
    if isinstance(video, VideoAttendance) and video.did_patient_attend is not None:
        return ATTENDED if video.did_patient_attend else NO_SHOW
    if said == "occurred":
        return ATTENDED
    if hcw_status in HCW_PATIENT_CAME:
        return ATTENDED
    if video is not None and timezone.now() < appointment.start + BETTERPT_FILLS_AFTER:
        return PENDING
    return UNKNOWN


def _cached_read(key: str, vendor: str, read: Callable[[], tuple[object, bool]]):
    """What `read` returns as (value, final), cached for a day once final and a minute while
    the vendor may still change it; UNKNOWN (and not cached) when the vendor fails."""
    found = cache.get(key)
    if found is not None:
        return found
    try:
        value, final = read()
    except VendorError as exc:
        logger.warning("report: %s unreadable: %s", vendor, type(exc).__name__)
        return UNKNOWN
    cache.set(key, value, FINAL_SECONDS if final else OPEN_SECONDS)
    return value


def _betterpt(uid: str) -> VideoAttendance | str:
    def read():
        room = betterpt().video_room(uid)
        if room is None:
            return UNKNOWN, False
        figures = VideoAttendance(
            did_patient_attend=room.did_patient_attend,
            did_provider_attend=room.did_provider_attend,
            patient_minutes=room.patient_duration,
            provider_minutes=room.provider_duration,
        )
        return figures, room.did_patient_attend is not None

    return _cached_read(f"staff-report:betterpt:{uid}", "BetterPT room", read)


def _hcw(invite_id: str) -> str:
    def read():
        client = hcw()
        state = hcw_types.consultation_state(
            client.get_invite(invite_id), client.get_invite_consultation(invite_id)
        )
        return state, state in hcw_types.FINAL_STATES

    return _cached_read(f"staff-report:hcw-consultation:{invite_id}", "HCW@Home", read)


# The patient came in from the link: HCW opened a consultation.
HCW_PATIENT_CAME = {hcw_types.PATIENT_WAITING, hcw_types.IN_PROGRESS, hcw_types.CLOSED}
READERS = {Provision.Part.BETTERPT_ROOM: _betterpt, Provision.Part.HCW_INVITE: _hcw}


def _exam_status(provision) -> str | None:
    if provision is None:
        return None
    exams = [e for e in provision.exams.all() if not e.cancelled]
    if not exams:
        return "no verdict yet" if provision.status == Provision.Status.READY else provision.status
    return ", ".join(f"{e.title or e.exam_id}: {e.status or 'no verdict yet'}" for e in exams)


# --- presentation, shared by the page and the CSV ------------------------------------------


def yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def video_cells(visit: Visit) -> dict[str, str]:
    """The BetterPT columns as text: empty without a room, "unknown" when BetterPT failed."""
    video = visit.video
    if video is None:
        return dict.fromkeys(COLUMNS_VIDEO, "")
    if not isinstance(video, VideoAttendance):
        return dict.fromkeys(COLUMNS_VIDEO, UNKNOWN)
    filled = video.did_patient_attend is not None
    not_yet = "" if filled else "not yet"
    return {
        "patient_attended": yes_no(video.did_patient_attend) or not_yet,
        "provider_attended": yes_no(video.did_provider_attend) or not_yet,
        "patient_minutes": "" if video.patient_minutes is None else str(video.patient_minutes),
        "provider_minutes": "" if video.provider_minutes is None else str(video.provider_minutes),
    }


COLUMNS_VIDEO = ("patient_attended", "provider_attended", "patient_minutes", "provider_minutes")
CSV_HEADER = (
    "Date",
    "Time",
    "Time zone",
    "Provider",
    "Patient",
    "Appointment type",
    "Contact type",
    "Healthie appointment id",
    "Healthie status",
    "Video",
    "Patient attended (BetterPT)",
    "Provider attended (BetterPT)",
    "Patient minutes (BetterPT)",
    "Provider minutes (BetterPT)",
    "HCW@Home consultation",
    "Qualiphy exams",
    "Outcome",
)


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab / carriage
    return, which some spreadsheets skip first) would run as a formula, so it gets a quote."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_text(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for visit in report.visits:
        video = video_cells(visit)
        row = [
            visit.start.date().isoformat(),
            visit.start.strftime("%H:%M"),
            report.zone,
            visit.provider_name,
            visit.patient_name,
            visit.type_name,
            visit.contact_type,
            visit.appointment_id,
            visit.healthie_status,
            visit.video_vendor,
            *(video[name] for name in COLUMNS_VIDEO),
            visit.hcw_status or "",
            visit.exam_status or "",
            visit.outcome_label,
        ]
        writer.writerow([safe_cell(str(cell)) for cell in row])
    totals = report.totals
    rate = totals.show_rate
    writer.writerow([])
    writer.writerow(["Visits", totals.visits])
    writer.writerow(["Attended", totals.attended])
    writer.writerow(["No-shows", totals.no_shows])
    writer.writerow(["Not known", totals.undetermined])
    writer.writerow(["Show rate", "" if rate is None else f"{rate:.0%}"])
    return out.getvalue()
