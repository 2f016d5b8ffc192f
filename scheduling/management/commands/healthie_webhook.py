"""`manage.py healthie_webhook [--url URL] [--rotate]`: register the app's webhook with Healthie.

Subscribes `<SITE_URL>/webhooks/healthie/` (or --url) to appointment.created, .updated and
.deleted through Healthie's API, stores the signature secret Healthie generates (never printed)
and, with --rotate, has Healthie replace it. Run it again at any time: it updates the one
webhook instead of adding another. Staff see deliveries and failures in /admin/ (Healthie sync
status).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from integrations.errors import VendorError
from scheduling.sync import services


class Command(BaseCommand):
    help = "Register (or update, or rotate the secret of) the app's webhook with Healthie."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="The public URL Healthie posts to (default: SITE_URL).")
        parser.add_argument(
            "--rotate", action="store_true", help="Have Healthie generate a new secret."
        )

    def handle(self, *args, url=None, rotate=False, **options):
        url = url or settings.SITE_URL.rstrip("/") + reverse("scheduling:healthie_webhook")
        if not url.startswith(("https://", "http://")):
            raise CommandError("the webhook URL must be an absolute http(s) URL")
        try:
            row, what = services.webhook_register(url=url, rotate=rotate)
        except VendorError as exc:
            raise CommandError(f"Healthie did not register the webhook: {exc}") from exc
        events = ", ".join(row.event_types)
        self.stdout.write(
            f"Healthie webhook {row.healthie_id} {what}: {row.url} for {events}; "
            "its signature secret is stored in the database."
        )
