"""Who may do what in the staff console: two roles, held as Django groups.

Front desk: the calendar and the day's work on appointments (reschedule, cancel, no-show,
retry provisioning). Clinic admin: all of that, plus availability, booking pages and plans.
A superuser counts as clinic admin. Anyone else signed in gets the console's own 403 page
(staff/403.html: what their account lacks and whom to ask, with a way to sign out, not the
patient pages' wording); anonymous users go to the login page.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

FRONT_DESK = "Front desk"
CLINIC_ADMIN = "Clinic admin"
ROLES = (FRONT_DESK, CLINIC_ADMIN)  # created by migration 0006

# (key, label, URL name, role needed); the calendar is the console's home page.
SECTIONS = (
    ("report", "Attendance", "staff:report", FRONT_DESK),
    ("availability", "Availability", "staff:availability", CLINIC_ADMIN),
    ("pages", "Booking pages", "staff:pages", CLINIC_ADMIN),
    ("plans", "Plans", "staff:plans", CLINIC_ADMIN),
)


def roles_of(user) -> frozenset[str]:
    """The console roles `user` holds (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_console_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset(ROLES)
        else:
            names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
            if CLINIC_ADMIN in names:
                names.add(FRONT_DESK)
            cached = frozenset(names)
        user._console_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def sections_for(user) -> list[dict]:
    """The console's sections `user` may open, for the navigation."""
    return [
        {"key": key, "label": label, "url": reverse(name)}
        for key, label, name, role in SECTIONS
        if has_role(user, role)
    ]


def refused(request, role: str):
    """The console's 403 page for a signed-in user without `role`: in the staff layout, saying
    which role the page needs and whom to ask, with a way to sign out."""
    roles = roles_of(request.user)
    context = {
        "needed_role": role,
        "staff_roles": sorted(roles),
        "section": None,
        "staff_sections": sections_for(request.user) if roles else [],
    }
    return render(request, "staff/403.html", context, status=403)


def role_required(role: str) -> Callable:
    """A view decorator: anonymous users to the login page, others without `role` get the
    console's 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                return refused(request, role)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


front_desk_required = role_required(FRONT_DESK)
clinic_admin_required = role_required(CLINIC_ADMIN)
