"""Who may do what in the staff console: two roles, held as Django groups.

Front desk: the calendar and the day's work on appointments (reschedule, cancel, no-show,
retry provisioning). Clinic admin: all of that, plus availability, booking pages and plans.
A superuser counts as clinic admin. Anyone else signed in gets 403; anonymous users go to the
login page.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

FRONT_DESK = "Front desk"
CLINIC_ADMIN = "Clinic admin"
ROLES = (FRONT_DESK, CLINIC_ADMIN)  # created by migration 0006


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


def role_required(role: str) -> Callable:
    """A view decorator: anonymous users to the login page, others without `role` get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


front_desk_required = role_required(FRONT_DESK)
clinic_admin_required = role_required(CLINIC_ADMIN)
