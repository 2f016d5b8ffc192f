"""Rendering a staff page: the console's sections (the navigation, by role) around it."""

from django.shortcuts import render
from django.urls import reverse

from scheduling.staff.access import CLINIC_ADMIN, FRONT_DESK, has_role

# (key, label, URL name, role needed); the calendar is the console's home page.
SECTIONS = (
    ("report", "Attendance", "staff:report", FRONT_DESK),
    ("availability", "Availability", "staff:availability", CLINIC_ADMIN),
    ("pages", "Booking pages", "staff:pages", CLINIC_ADMIN),
    ("plans", "Plans", "staff:plans", CLINIC_ADMIN),
)


def staff_render(request, template: str, context: dict, *, section: str, status: int = 200):
    sections = [
        {"key": key, "label": label, "url": reverse(name)}
        for key, label, name, role in SECTIONS
        if has_role(request.user, role)
    ]
    context = {**context, "section": section, "staff_sections": sections}
    return render(request, template, context, status=status)
