"""Booking pages (configuration), slot holds (contention) and bookings (the local mirror).

Healthie stays the source of truth for appointments and availability; a Booking is our record of
what a patient asked for and what Healthie answered, written before Healthie is called.
"""

import base64
import re
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def new_reference() -> str:
    """A random public reference: 128 bits, lowercase base32 (26 characters), no DB id in it."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def new_hold_token() -> str:
    return secrets.token_urlsafe(24)


# What a reference and the tokens look like: anything else (a NUL byte, a 10 kB string) is no
# reference or token at all, answered without asking the database.
REFERENCE_SHAPE = re.compile(r"[a-z2-7]{26}")
HOLD_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
MANAGE_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")  # new_manage_token: 43 characters


def new_manage_token() -> str:
    """The patient's manage-link secret: 256 random bits, URL-safe (43 characters).

    Not the reference: the reference is an identifier (shown on pages, read out to the front
    desk, searched in the admin, written to logs and to the calendar UID), while this token is a
    capability (it lets whoever holds it move or cancel the appointment). It is never logged and
    can be rotated without changing the reference or the calendar UID.
    """
    return secrets.token_urlsafe(32)


def validate_id_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError('Enter a JSON list of Healthie ids as strings, e.g. ["101", "102"].')


class BookingPage(models.Model):
    """One public booking entry point: who is booked, for which appointment types, how it looks."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Shown above the first step.")
    provider_id = models.CharField(
        max_length=32,
        blank=True,
        help_text="The Healthie provider this page books for. Leave empty for organisation level.",
    )
    org_level = models.BooleanField(
        default=False,
        help_text="Book across several providers (the provider ids below) instead of one.",
    )
    provider_ids = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_id_list],
        help_text='Organisation level: the Healthie provider ids offered, e.g. ["101", "102"].',
    )
    offer_first_available = models.BooleanField(
        default=True,
        help_text='Organisation level: offer "First available" besides each provider.',
    )
    appointment_type_ids = models.JSONField(
        default=list,
        validators=[validate_id_list],
        help_text='Healthie appointment type ids offered, in order, e.g. ["301", "302"].',
    )
    brand_colour = models.CharField(
        max_length=7,
        default="#2f6f8f",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2f6f8f.")],
        help_text="Buttons and links. Pick a colour with at least 4.5:1 contrast on white.",
    )
    embed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text='Clinic sites allowed to embed this page, e.g. ["https://clinic.example"], '
        "besides those in BOOKING_EMBED_ORIGINS.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.org_level:
            if not self.provider_ids:
                raise ValidationError({"provider_ids": "List the providers this page books for."})
        elif not self.provider_id:
            raise ValidationError(
                {"provider_id": "Set a provider id, or tick organisation level and list several."}
            )
        if not self.appointment_type_ids:
            raise ValidationError({"appointment_type_ids": "Offer at least one appointment type."})

    @property
    def provider_set(self) -> tuple[str, ...]:
        """Every provider this page can book, in the configured order."""
        if self.org_level:
            return tuple(dict.fromkeys(str(p) for p in self.provider_ids))
        return (str(self.provider_id),)

    @property
    def offers_provider_choice(self) -> bool:
        return self.org_level and (len(self.provider_set) > 1 or self.offer_first_available)


class SlotHold(models.Model):
    """A patient's claim on one provider's start time for a few minutes.

    At most one row per (provider, start): live or expired. Placing a hold deletes an expired row
    for that key and inserts, in one transaction; the unique constraint makes a second live hold
    impossible whatever the interleaving (hold_place turns IntegrityError into "just taken").
    """

    token = models.CharField(max_length=64, unique=True, default=new_hold_token, editable=False)
    page = models.ForeignKey(BookingPage, on_delete=models.CASCADE, related_name="holds")
    provider_id = models.CharField(max_length=32)
    start = models.DateTimeField(help_text="UTC")
    end = models.DateTimeField(help_text="UTC")
    appointment_type_id = models.CharField(max_length=32)
    contact_type = models.CharField(max_length=64)
    provider_choice = models.CharField(
        max_length=32, help_text='The provider the patient picked, or "any" for first available.'
    )
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "start"], name="one_hold_per_slot"),
        ]
        indexes = [models.Index(fields=["provider_id", "start", "expires_at"])]

    def __str__(self) -> str:
        return f"hold {self.provider_id} {self.start:%Y-%m-%d %H:%M}Z"


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (sent or about to be sent to Healthie)"
        CONFIRMED = "confirmed", "Confirmed in Healthie"
        UNKNOWN = "unknown", "Unknown (Healthie's answer was lost; being settled)"
        FAILED = "failed", "Failed (Healthie unavailable; not booked)"
        REJECTED = "rejected", "Rejected (slot taken or details refused)"
        CANCELLED = "cancelled", "Cancelled (in Healthie: pm_status Cancelled, or deleted)"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    page = models.ForeignKey(
        BookingPage, on_delete=models.PROTECT, related_name="bookings", null=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(
        max_length=64, blank=True, help_text="A reason code, never patient data."
    )

    provider_id = models.CharField(max_length=32)
    provider_name = models.CharField(max_length=200, blank=True)
    provider_timezone = models.CharField(max_length=64, blank=True)
    appointment_type_id = models.CharField(max_length=32)
    appointment_type_name = models.CharField(max_length=200, blank=True)
    length_minutes = models.PositiveIntegerField(null=True)
    contact_type = models.CharField(max_length=64)
    start = models.DateTimeField(help_text="UTC")
    end = models.DateTimeField(help_text="UTC")
    patient_timezone = models.CharField(max_length=64)

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=32)
    # Asked only when the appointment type's plan orders Qualiphy exams (they require both).
    date_of_birth = models.DateField(null=True, blank=True)
    patient_state = models.CharField(
        max_length=2, blank=True, help_text="US state (2 letters) the patient is in."
    )
    # Asked only when the plan's video room is at HCW@Home, which requires it: "male" or "female".
    gender = models.CharField(max_length=6, blank=True)

    healthie_appointment_id = models.CharField(max_length=32, blank=True, db_index=True)
    healthie_patient_id = models.CharField(max_length=32, blank=True)
    checkout_attempts = models.PositiveSmallIntegerField(default=0)
    hold_token = models.CharField(max_length=64, blank=True)

    # Manage link, reschedules and cancellation (manage.services).
    manage_token = models.CharField(
        max_length=64, unique=True, default=new_manage_token, editable=False
    )
    reschedule_count = models.PositiveSmallIntegerField(
        default=0, help_text="Reschedules the patient made through the manage link."
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="Calendar SEQUENCE: raised on every change of time or status."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    healthie_pm_status = models.CharField(
        max_length=32, blank=True, help_text="Healthie's pm_status when last checked."
    )
    healthie_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mirror was last compared with Healthie."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["provider_id", "start"]),
            models.Index(fields=["status", "updated_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def duration(self) -> timedelta:
        """The appointment type's length (the current end may be Healthie's own)."""
        if self.length_minutes:
            return timedelta(minutes=self.length_minutes)
        return self.end - self.start

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class BookingStatusChange(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=64, blank=True, help_text="A reason code.")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
