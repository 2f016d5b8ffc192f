"""Front desk views. PLACEHOLDER until the calendar is built (this session)."""

from django.http import HttpResponse

from scheduling.staff.access import front_desk_required


@front_desk_required
def placeholder(request):
    return HttpResponse("Not built yet.")
