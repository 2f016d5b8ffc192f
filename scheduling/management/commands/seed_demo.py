"""`manage.py seed_demo`: the two demo booking pages, matching the Healthie sandbox seed.

Idempotent: run it any number of times; pages are updated in place by slug.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from scheduling.models import AppointmentTypePlan, BookingPage

# Sandbox seed (integrations/healthie/sandbox/seed.py): providers 101 Maya Chen (New York),
# 102 Samuel Okafor (New York), 103 Lucia Alvarez (Los Angeles); bookable types 301 Initial
# Consultation (video, phone, in person), 302 Video Follow-up, 303 Phone Check-in,
# 304 In-Person Assessment.
DEMO_PAGES = [
    {
        "slug": "riverside",
        "title": "Riverside Family Health",
        "intro": "Book with any of our clinicians, or take the first available time.",
        "org_level": True,
        "provider_id": "",
        "provider_ids": ["101", "102", "103"],
        "offer_first_available": True,
        "appointment_type_ids": ["301", "302", "303", "304"],
        "brand_colour": "#2f6f8f",
    },
    {
        "slug": "dr-chen",
        "title": "Dr. Maya Chen",
        "intro": "Video and phone visits with Dr. Chen.",
        "org_level": False,
        "provider_id": "101",
        "provider_ids": [],
        "offer_first_available": False,
        "appointment_type_ids": ["301", "302"],
        "brand_colour": "#6b3fa0",
    },
]

# What each type gets after booking: a BetterPT room for its video visits (the initial
# consultation's phone and in-person visits get none) and the intake questionnaire.
DEMO_PLANS = [
    {
        "appointment_type_id": "302",
        "label": "Video Follow-up",
        "video": AppointmentTypePlan.Video.BETTERPT,
        "semble_questionnaire_token": "intake-form",
    },
    {
        "appointment_type_id": "301",
        "label": "Initial Consultation",
        "video": AppointmentTypePlan.Video.BETTERPT,
        "semble_questionnaire_token": "intake-form",
    },
]


class Command(BaseCommand):
    help = "Create or update the demo booking pages and provisioning plans (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            for spec in DEMO_PAGES:
                values = {k: v for k, v in spec.items() if k != "slug"}
                page, created = BookingPage.objects.update_or_create(
                    slug=spec["slug"], defaults={**values, "is_active": True}
                )
                page.full_clean()
                if options["verbosity"]:
                    verb = "created" if created else "updated"
                    self.stdout.write(f"{verb} booking page /book/{page.slug}/")
            for spec in DEMO_PLANS:
                AppointmentTypePlan.objects.update_or_create(
                    appointment_type_id=spec["appointment_type_id"], defaults=spec
                )
