"""Rendering a staff page: the console's sections (the navigation, by role) around it."""

from django.shortcuts import render

from scheduling.staff.access import sections_for


def staff_render(request, template: str, context: dict, *, section: str, status: int = 200):
    context = {**context, "section": section, "staff_sections": sections_for(request.user)}
    return render(request, template, context, status=status)
