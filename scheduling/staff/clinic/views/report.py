"""The attendance report (front desk and clinic admin), as a page or a CSV download."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from scheduling.common import conf, timefmt
from scheduling.common.upstream import UpstreamUnavailable
from scheduling.staff.access import front_desk_required
from scheduling.staff.clinic import report as attendance
from scheduling.staff.clinic import selectors
from scheduling.staff.clinic.forms import ReportForm, default_report_range
from scheduling.staff.render import staff_render

TEMPLATE = "staff/clinic/report.html"


def _provider_choices() -> list[tuple[str, str]]:
    try:
        return [(p.id, p.name) for p in selectors.providers()]
    except UpstreamUnavailable:
        return []


@front_desk_required
@require_http_methods(["GET", "HEAD"])
def report(request):
    zone = conf.default_timezone()
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    start, end = default_report_range(today)
    data = request.GET if "start" in request.GET or "end" in request.GET else None
    form = ReportForm(
        data, provider_choices=_provider_choices(), initial={"start": start, "end": end}
    )
    context = {"form": form, "zone": zone, "zone_label": timefmt.zone_label(zone)}
    if data is not None and not form.is_valid():
        return staff_render(request, TEMPLATE, context, section="report", status=422)
    if data is not None:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    provider_id = form.cleaned_data.get("provider") if data is not None else None
    try:
        built = attendance.build(start=start, end=end, provider_id=provider_id or None, zone=zone)
    except UpstreamUnavailable:
        messages.error(request, "Healthie is not answering right now; try again in a moment.")
        return staff_render(request, TEMPLATE, context, section="report", status=503)
    if request.GET.get("format") == "csv":
        return _csv(built)
    query = request.GET.copy()
    query["format"] = "csv"
    rows = [{"visit": v, "video": attendance.video_cells(v)} for v in built.visits]
    context.update(report=built, rows=rows, csv_query=query.urlencode())
    return staff_render(request, TEMPLATE, context, section="report")


def _csv(built) -> HttpResponse:
    response = HttpResponse(attendance.csv_text(built), content_type="text/csv; charset=utf-8")
    name = f"attendance-{built.start.isoformat()}-to-{built.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"  # patient names
    return response
