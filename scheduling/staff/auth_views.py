"""Staff sign-in and sign-out. Failed attempts are counted by django-axes (settings.AXES_*):
after AXES_FAILURE_LIMIT failures for one username from one address, the lockout page."""

from django.contrib.auth import views as auth_views


class StaffLogin(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True


class StaffLogout(auth_views.LogoutView):
    pass
