"""Keeping the mirror in line with Healthie: its webhook, its events, the status staff see.

- HealthieWebhook: the webhook registered with Healthie (`manage.py healthie_webhook`): its id,
  URL and the signature secret Healthie generated. The previous secret stays valid for a while
  after a rotation, so deliveries already signed with it are not refused.
- HealthieEvent: one row per verified delivery, with what processing it did ("applied", "echo"
  of our own write, "mirrored" an appointment booked elsewhere, ...). Ids only, never patient data.
- SyncStatus: one row (pk 1): last delivery, last verification failure, last reconciliation and
  how much drift it fixed.
"""

from django.db import models


class HealthieWebhook(models.Model):
    healthie_id = models.CharField(max_length=32, unique=True)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    secret = models.CharField(max_length=200, help_text="Healthie's signature secret.")
    previous_secret = models.CharField(max_length=200, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Healthie webhook"

    def __str__(self) -> str:
        return f"Healthie webhook {self.healthie_id}"


class HealthieEvent(models.Model):
    class Outcome(models.TextChoices):
        QUEUED = "queued", "Queued"
        APPLIED = "applied", "Applied a change made in Healthie"
        UNCHANGED = "unchanged", "Nothing to change (a replay, or already in line)"
        ECHO = "echo", "Our own write coming back (recognised, not applied again)"
        MIRRORED = "mirrored", "Mirrored an appointment booked elsewhere"
        IGNORED = "ignored", "Not ours to mirror (no plan, or not mirrored by its plan)"
        FAILED = "failed", "Could not be processed (Healthie unreachable; reconciliation repairs)"

    event_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=32, db_index=True)
    resource_id_type = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.QUEUED)
    booking_id = models.IntegerField(null=True, blank=True, help_text="The mirror's database id.")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "Healthie event"

    def __str__(self) -> str:
        return f"{self.event_type} {self.resource_id} ({self.outcome})"


class SyncStatus(models.Model):
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_verification_failure_at = models.DateTimeField(null=True, blank=True)
    last_verification_failure = models.CharField(
        max_length=64, blank=True, help_text="Why the last refused delivery was refused."
    )
    verification_failures = models.PositiveIntegerField(default=0)
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    last_reconcile_checked = models.PositiveIntegerField(default=0)
    last_reconcile_fixed = models.PositiveIntegerField(
        default=0, help_text="Bookings whose drift the last reconciliation repaired."
    )
    last_reconcile_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "Healthie sync status"
        verbose_name_plural = "Healthie sync status"

    def __str__(self) -> str:
        return "Healthie sync status"
