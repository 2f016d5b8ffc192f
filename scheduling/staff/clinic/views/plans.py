"""Appointment-type plans (clinic admin): what each type gets after booking, the type picked
by name from Healthie."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods

from scheduling.common.upstream import UpstreamUnavailable
from scheduling.models import AppointmentTypePlan
from scheduling.staff.access import clinic_admin_required
from scheduling.staff.clinic import selectors
from scheduling.staff.clinic.forms import PlanForm
from scheduling.staff.render import staff_render


def _type_names() -> dict[str, str]:
    try:
        return {t.id: t.name for t in selectors.appointment_types()}
    except UpstreamUnavailable:
        return {}


@clinic_admin_required
@require_http_methods(["GET", "HEAD"])
def plan_list(request):
    names = _type_names()
    plans = [
        (plan, names.get(plan.appointment_type_id))
        for plan in AppointmentTypePlan.objects.order_by("label", "appointment_type_id")
    ]
    return staff_render(request, "staff/clinic/plans.html", {"plans": plans}, section="plans")


@clinic_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request, pk: int | None = None):
    plan = (
        get_object_or_404(AppointmentTypePlan, pk=pk) if pk is not None else AppointmentTypePlan()
    )
    try:
        types = [(t.id, t.name) for t in selectors.appointment_types()]
    except UpstreamUnavailable:
        messages.error(
            request,
            "Healthie is not answering, so its appointment types cannot be listed. Try again.",
        )
        return staff_render(
            request, "staff/clinic/plan_edit.html", {"plan": plan}, section="plans", status=503
        )
    form = PlanForm(
        request.POST if request.method == "POST" else None, instance=plan, type_choices=types
    )
    if request.method == "POST":
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Plan for “{saved}” saved.")
            return redirect("staff:plans")
        return staff_render(
            request,
            "staff/clinic/plan_edit.html",
            {"plan": plan, "form": form},
            section="plans",
            status=422,
        )
    return staff_render(
        request, "staff/clinic/plan_edit.html", {"plan": plan, "form": form}, section="plans"
    )
