# Patients reschedule and cancel through their manage link (issue 5).

import django.db.models.deletion
from django.db import migrations, models

import scheduling.models.booking


def fill_manage_tokens(apps, schema_editor):
    """Every existing booking gets its own random manage token (a column default would be one
    value for all rows)."""
    Booking = apps.get_model("scheduling", "Booking")
    for pk in Booking.objects.filter(manage_token__isnull=True).values_list("pk", flat=True):
        Booking.objects.filter(pk=pk).update(
            manage_token=scheduling.models.booking.new_manage_token()
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        # manage_token: nullable first, filled row by row, then unique and required.
        migrations.AddField(
            model_name="booking",
            name="manage_token",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_manage_tokens, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="booking",
            name="manage_token",
            field=models.CharField(
                default=scheduling.models.booking.new_manage_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="reschedule_count",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Reschedules the patient made through the manage link."
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="sequence",
            field=models.PositiveIntegerField(
                default=0, help_text="Calendar SEQUENCE: raised on every change of time or status."
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="healthie_pm_status",
            field=models.CharField(
                blank=True, help_text="Healthie's pm_status when last checked.", max_length=32
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="healthie_checked_at",
            field=models.DateTimeField(
                blank=True, help_text="When the mirror was last compared with Healthie.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending (sent or about to be sent to Healthie)"),
                    ("confirmed", "Confirmed in Healthie"),
                    ("unknown", "Unknown (Healthie's answer was lost; being settled)"),
                    ("failed", "Failed (Healthie unavailable; not booked)"),
                    ("rejected", "Rejected (slot taken or details refused)"),
                    ("cancelled", "Cancelled (in Healthie: pm_status Cancelled, or deleted)"),
                ],
                default="pending",
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="BookingChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("reschedule", "Rescheduled"),
                            ("cancel", "Cancelled"),
                            ("restore", "Restored (no longer cancelled in Healthie)"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "by",
                    models.CharField(
                        choices=[
                            ("patient", "Patient (manage link)"),
                            ("staff", "Staff (this app)"),
                            ("healthie", "Found in Healthie (changed there)"),
                        ],
                        max_length=16,
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "Pending (sent or about to be sent to Healthie)"),
                            ("done", "Done"),
                            ("unknown", "Unknown (Healthie's answer was lost; being settled)"),
                            ("failed", "Failed (Healthie unavailable or refused; nothing changed)"),
                            ("rejected", "Rejected (not allowed, or the new time was taken)"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        help_text="A reason code (outcome or rule), never patient data.",
                        max_length=64,
                    ),
                ),
                ("old_start", models.DateTimeField(blank=True, help_text="UTC", null=True)),
                (
                    "new_start",
                    models.DateTimeField(blank=True, help_text="UTC; reschedules", null=True),
                ),
                (
                    "patient_timezone",
                    models.CharField(
                        blank=True,
                        help_text="The zone the patient chose the new time in.",
                        max_length=64,
                    ),
                ),
                (
                    "note",
                    models.TextField(
                        blank=True,
                        help_text=(
                            "The patient's own words (an optional cancel reason). Never logged."
                        ),
                    ),
                ),
                (
                    "idempotency_key",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="Changes made through a form.",
                        max_length=64,
                    ),
                ),
                ("hold_token", models.CharField(blank=True, max_length=64)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="scheduling.booking",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        fields=["state", "updated_at"], name="scheduling__state_905a14_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("idempotency_key", ""), _negated=True),
                        fields=("idempotency_key",),
                        name="one_change_per_idempotency_key",
                    )
                ],
            },
        ),
    ]
