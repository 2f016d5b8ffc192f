"""What each appointment type needs at other vendors, and where each booking's provisioning is.

A booking gets one Provision row per part its appointment type's plan names (video room,
questionnaire, exams). A Provision is the unit of work for a Celery task: it records the
vendor's ids as soon as they exist, so a task that runs twice finds them and creates nothing.
"""

from django.core.exceptions import ValidationError
from django.db import models

from scheduling.models.booking import Booking


def validate_exam_ids(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValidationError("Enter a JSON list of Qualiphy exam ids (integers), e.g. [12, 15].")


# Healthie's contact types that are not a video call (its video ones have several names).
NOT_VIDEO_CONTACT_TYPES = ("Phone Call", "In Person")


class AppointmentTypePlan(models.Model):
    """The provisioning plan for one Healthie appointment type (admin-editable)."""

    class Video(models.TextChoices):
        NONE = "none", "No video room"
        BETTERPT = "betterpt", "BetterPT video room"
        HCW = "hcw", "HCW@Home teleconsultation"

    appointment_type_id = models.CharField(
        max_length=32, unique=True, help_text="The Healthie appointment type id."
    )
    label = models.CharField(max_length=200, blank=True, help_text="For staff; e.g. its name.")
    video = models.CharField(max_length=16, choices=Video.choices, default=Video.NONE)
    betterpt_patient_notifications = models.BooleanField(
        default=False,
        help_text="BetterPT emails/texts the patient its confirmations and reminders.",
    )
    semble_questionnaire_token = models.CharField(
        max_length=200, blank=True, help_text="Semble questionnaire to send; empty for none."
    )
    qualiphy_exam_ids = models.JSONField(
        default=list, blank=True, validators=[validate_exam_ids], help_text="Qualiphy exam ids."
    )
    provision_booked_elsewhere = models.BooleanField(
        default=True,
        help_text="Also mirror and provision appointments of this type that staff (or another "
        "booking tool) create directly in Healthie.",
    )

    def __str__(self) -> str:
        return self.label or f"Appointment type {self.appointment_type_id}"

    @property
    def needs_date_of_birth_and_state(self) -> bool:
        return bool(self.qualiphy_exam_ids)

    @property
    def needs_gender(self) -> bool:
        """HCW@Home requires the patient's gender (unless its backend's ENABLE_FIELDS_FORM_DOCTOR
        says otherwise: the default requires it)."""
        return self.video == self.Video.HCW

    def makes_video_room(self, contact_type: str) -> bool:
        parts = self.parts(contact_type=contact_type)
        return Provision.Part.BETTERPT_ROOM in parts or Provision.Part.HCW_INVITE in parts

    def parts(self, contact_type: str = "") -> list[str]:
        """What a booking of this type gets; a phone or in-person visit gets no video room."""
        parts = []
        video = contact_type not in NOT_VIDEO_CONTACT_TYPES
        if video and self.video == self.Video.BETTERPT:
            parts.append(Provision.Part.BETTERPT_ROOM)
        elif video and self.video == self.Video.HCW:
            parts.append(Provision.Part.HCW_INVITE)
        if self.semble_questionnaire_token:
            parts.append(Provision.Part.SEMBLE_QUESTIONNAIRE)
        if self.qualiphy_exam_ids:
            parts.append(Provision.Part.QUALIPHY_EXAMS)
        return parts


class ProviderVideoRoute(models.Model):
    """Where HCW@Home teleconsultations for one Healthie provider go: a doctor or a queue."""

    provider_id = models.CharField(max_length=32, unique=True, help_text="Healthie provider id.")
    hcw_doctor_email = models.EmailField(blank=True)
    hcw_queue = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"Provider {self.provider_id}"

    def clean(self) -> None:
        if bool(self.hcw_doctor_email) == bool(self.hcw_queue):
            raise ValidationError("Give either an HCW@Home doctor email or a queue, not both.")


class Provision(models.Model):
    """One part of one booking at one vendor: pending, ready (with its link) or failed (why)."""

    class Part(models.TextChoices):
        BETTERPT_ROOM = "betterpt_room", "BetterPT video room"
        HCW_INVITE = "hcw_invite", "HCW@Home teleconsultation"
        SEMBLE_QUESTIONNAIRE = "semble_questionnaire", "Semble questionnaire"
        QUALIPHY_EXAMS = "qualiphy_exams", "Qualiphy exams"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="provisions")
    part = models.CharField(max_length=32, choices=Part.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.TextField(blank=True, help_text="Why it failed; never patient data.")
    attempts = models.PositiveIntegerField(default=0)
    # The vendor's ids, saved the moment they exist: a redelivered task finds them and stops.
    external_id = models.CharField(max_length=100, blank=True)
    patient_url = models.URLField(
        max_length=1000, blank=True, help_text="The patient's link; may embed a secret token."
    )
    details = models.JSONField(default=dict, blank=True)
    # A worker's lease on this row: two deliveries of one task never call a vendor at once,
    # and a killed worker's lease simply runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    written_to_healthie = models.BooleanField(
        default=False, help_text="The video link is on the Healthie appointment."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "part"], name="one_provision_per_part")
        ]
        ordering = ["booking", "part"]

    def __str__(self) -> str:
        return f"{self.get_part_display()} for {self.booking.reference}: {self.status}"

    @property
    def settled(self) -> bool:
        return self.status != self.Status.PENDING


class QualiphyExam(models.Model):
    """One exam of a booking's Qualiphy invite, with the verdict its webhook reported."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="exams")
    patient_exam_id = models.CharField(max_length=64, unique=True)
    exam_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=64, blank=True, help_text="Qualiphy's exam status.")
    cancelled = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Qualiphy exam {self.patient_exam_id}"


class ExamEvent(models.Model):
    """A Qualiphy webhook event, kept once: Qualiphy retries slow answers."""

    event = models.PositiveSmallIntegerField()
    patient_exam_id = models.CharField(max_length=64)
    exam_status = models.CharField(max_length=64, blank=True)
    exam = models.ForeignKey(
        QualiphyExam, on_delete=models.SET_NULL, null=True, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "patient_exam_id"], name="one_exam_event_per_kind"
            )
        ]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Qualiphy event {self.event} for exam {self.patient_exam_id}"
