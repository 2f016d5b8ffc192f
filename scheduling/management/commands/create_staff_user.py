"""`manage.py create_staff_user <username> --role front-desk|clinic-admin`: a staff console login.

The password is asked for twice at a terminal (press Enter to have one generated), or
generated when there is no terminal; a generated password is printed once and never stored in
clear. In the demo: `DJANGO_DEBUG=1 .venv/bin/python manage.py create_staff_user ...`, as
`make demo` runs manage.py (it prints this line at start)."""

import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from scheduling.staff.access import CLINIC_ADMIN, FRONT_DESK

ROLES = {"front-desk": FRONT_DESK, "clinic-admin": CLINIC_ADMIN}


class Command(BaseCommand):
    help = "Create a staff console login (front desk or clinic admin) and print its password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--update",
            action="store_true",
            help="The user exists: give it this role and a new password.",
        )
        parser.add_argument(
            "--no-input", action="store_true", help="Never prompt: generate the password."
        )

    def handle(self, *args, username, role, email, update, no_input, **options):
        users = get_user_model()
        existing = users.objects.filter(username=username).first()
        if existing is not None and not update:
            raise CommandError(f"{username} exists already; add --update to reset it.")
        password, generated = self._password(username, interactive=not no_input)
        with transaction.atomic():
            user = existing or users(username=username)
            if email:
                user.email = email
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.remove(*Group.objects.filter(name__in=ROLES.values()))
            user.groups.add(Group.objects.get_or_create(name=ROLES[role])[0])
        verb = "Updated" if existing else "Created"
        self.stdout.write(f"{verb} staff user {username} ({ROLES[role]}). Sign in at /staff/login/")
        if generated:
            self.stdout.write(f"Password (shown once): {password}")

    def _password(self, username: str, *, interactive: bool) -> tuple[str, bool]:
        if not (interactive and sys.stdin.isatty()):
            return secrets.token_urlsafe(12), True
        while True:
            first = getpass.getpass("Password (Enter to generate one): ")
            if not first:
                return secrets.token_urlsafe(12), True
            if getpass.getpass("Password again: ") != first:
                self.stderr.write("The passwords differ; try again.")
                continue
            try:
                validate_password(first, get_user_model()(username=username))
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return first, False
