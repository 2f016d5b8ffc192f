"""Clinic admin views. PLACEHOLDER until the clinic pages are built (this session)."""

from django.http import HttpResponse

from scheduling.staff.access import clinic_admin_required


@clinic_admin_required
def placeholder(request):
    return HttpResponse("Not built yet.")
