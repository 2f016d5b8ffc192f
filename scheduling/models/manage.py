"""Changes to a booking after it was made: reschedules, cancellations, and what Healthie changed.

A BookingChange is the mirror's history of the appointment's time and state (old start, new
start, who, when, why). A patient's reschedule or cancel is recorded here (state pending, with
its idempotency key) before Healthie is called, exactly like a checkout, and its outcome is
written after; a change found in Healthie (staff moved or cancelled it there) is recorded as
done, by "healthie".
"""

from django.conf import settings
from django.db import models

from scheduling.models.booking import Booking


class BookingChange(models.Model):
    class Kind(models.TextChoices):
        RESCHEDULE = "reschedule", "Rescheduled"
        CANCEL = "cancel", "Cancelled"
        RESTORE = "restore", "Restored (no longer cancelled in Healthie)"
        NO_SHOW = "no_show", "Marked no-show (Healthie's pm_status)"

    class By(models.TextChoices):
        PATIENT = "patient", "Patient (manage link)"
        STAFF = "staff", "Staff (this app)"
        HEALTHIE = "healthie", "The clinic (in Healthie)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending (sent or about to be sent to Healthie)"
        DONE = "done", "Done"
        UNKNOWN = "unknown", "Unknown (Healthie's answer was lost; being settled)"
        FAILED = "failed", "Failed (Healthie unavailable or refused; nothing changed)"
        REJECTED = "rejected", "Rejected (not allowed, or the new time was taken)"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    by = models.CharField(max_length=16, choices=By.choices)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who, when the change was made in the staff console (by: staff).",
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.CharField(
        max_length=64, blank=True, help_text="A reason code (outcome or rule), never patient data."
    )
    old_start = models.DateTimeField(null=True, blank=True, help_text="UTC")
    new_start = models.DateTimeField(null=True, blank=True, help_text="UTC; reschedules")
    patient_timezone = models.CharField(
        max_length=64, blank=True, help_text="The zone the patient chose the new time in."
    )
    note = models.TextField(
        blank=True, help_text="The patient's own words (an optional cancel reason). Never logged."
    )
    idempotency_key = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Changes made through a form."
    )
    hold_token = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "updated_at"])]
        constraints = [
            # One change per form submission; changes found in Healthie have no key.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_change_per_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.by} ({self.state})"

    @property
    def in_flight(self) -> bool:
        return self.state in (self.State.PENDING, self.State.UNKNOWN)
