import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.utils import timezone

from scheduling.manage import services as manage_services
from scheduling.models import (
    AppointmentTypePlan,
    Booking,
    BookingChange,
    BookingPage,
    BookingStatusChange,
    HealthieEvent,
    HealthieWebhook,
    ProviderVideoRoute,
    Provision,
    QualiphyExam,
    SlotHold,
    SyncStatus,
)
from scheduling.provisioning import services as provisioning_services

# The appointment as Healthie holds it: read-only here. Healthie is the source of truth; a
# change goes out through Healthie (the actions below, the staff console) and comes back.
HEALTHIE_OWNED = [
    "provider_id",
    "provider_name",
    "provider_timezone",
    "appointment_type_id",
    "appointment_type_name",
    "length_minutes",
    "contact_type",
    "start",
    "end",
    "first_name",
    "last_name",
    "email",
    "phone",
]


@admin.register(BookingPage)
class BookingPageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "org_level", "provider_id", "is_active", "updated_at"]
    list_filter = ["is_active", "org_level"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "intro", "is_active", "brand_colour"]}),
        (
            "Who is booked",
            {"fields": ["provider_id", "org_level", "provider_ids", "offer_first_available"]},
        ),
        ("What can be booked", {"fields": ["appointment_type_ids"]}),
    ]


class StatusChangeInline(admin.TabularInline):
    model = BookingStatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ProvisionInline(admin.TabularInline):
    """Per vendor: pending, ready (with its link) or failed (why)."""

    model = Provision
    extra = 0
    can_delete = False
    fields = ["part", "status", "failure_reason", "attempts", "external_id", "updated_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Retry failed provisioning")
def retry_failed_provisioning(modeladmin, request, queryset):
    provisions = Provision.objects.filter(status=Provision.Status.FAILED)
    if queryset.model is Booking:
        provisions = provisions.filter(booking__in=queryset)
    else:
        provisions = provisions.filter(id__in=queryset)
    ids = list(provisions.values_list("id", flat=True))
    for provision_id in ids:
        provisioning_services.provision_retry(provision_id=provision_id)
    modeladmin.message_user(request, f"Queued {len(ids)} failed part(s) to try again.")


class ChangeInline(admin.TabularInline):
    """Reschedules and cancellations: old time, new time, who, when, outcome."""

    model = BookingChange
    extra = 0
    can_delete = False
    verbose_name = "change"
    fields = [
        "created_at",
        "kind",
        "by",
        "state",
        "reason",
        "old_start",
        "new_start",
        "done_at",
        "attempts",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Cancel in Healthie (as staff; provisioning follows)")
def cancel_in_healthie(modeladmin, request, queryset):
    """The patient's cancel service, by staff: Healthie first, then the mirror and the parts."""
    done = 0
    for booking in queryset.filter(status=Booking.Status.CONFIRMED):
        outcome = manage_services.booking_cancel(
            booking=booking,
            idempotency_key=f"admin-cancel-{uuid.uuid4().hex}",
            by=BookingChange.By.STAFF,
        )
        if outcome.done:
            done += 1
        else:
            modeladmin.message_user(
                request,
                f"{booking.reference}: not cancelled ({outcome.change.reason}).",
                level=messages.WARNING,
            )
    modeladmin.message_user(request, f"Cancelled {done} booking(s) in Healthie.")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "status",
        "start_in_clinic_zone",
        "provider_timezone",
        "patient_name",
        "provider_name",
        "appointment_type_name",
        "contact_type",
        "provisioning_failures",
        "healthie_appointment_id",
        "created_at",
    ]
    list_filter = ["status", "page", "contact_type"]
    search_fields = [
        "reference",
        "email",
        "first_name",
        "last_name",
        "healthie_appointment_id",
        "healthie_patient_id",
    ]
    date_hierarchy = "start"
    inlines = [StatusChangeInline, ChangeInline, ProvisionInline]
    actions = [retry_failed_provisioning, cancel_in_healthie]
    readonly_fields = [
        *HEALTHIE_OWNED,
        "reference",
        "idempotency_key",
        "status",
        "status_reason",
        "checkout_attempts",
        "healthie_appointment_id",
        "healthie_patient_id",
        "hold_token",
        "created_at",
        "updated_at",
        "manage_token",
        "reschedule_count",
        "sequence",
        "cancelled_at",
        "healthie_pm_status",
        "healthie_checked_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "status_reason", "page"]}),
        (
            "Appointment",
            {
                "fields": [
                    "provider_id",
                    "provider_name",
                    "provider_timezone",
                    "appointment_type_id",
                    "appointment_type_name",
                    "length_minutes",
                    "contact_type",
                    "start",
                    "end",
                    "patient_timezone",
                ]
            },
        ),
        ("Patient", {"fields": ["first_name", "last_name", "email", "phone"]}),
        (
            "Healthie",
            {
                "fields": [
                    "healthie_appointment_id",
                    "healthie_patient_id",
                    "idempotency_key",
                    "checkout_attempts",
                    "hold_token",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (
            "Changes (manage link)",
            {
                "fields": [
                    "reschedule_count",
                    "sequence",
                    "cancelled_at",
                    "healthie_pm_status",
                    "healthie_checked_at",
                    "manage_token",
                ],
                "description": "The manage token lets whoever has it change the appointment: "
                "share it only with the patient.",
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # bookings come from Healthie checkouts, not from this form

    def has_delete_permission(self, request, obj=None):
        # A booking Healthie still holds is not deleted here: that would orphan the appointment
        # and its manage link. Cancel it in Healthie (action above); the mirror follows.
        if (
            obj is not None
            and obj.healthie_appointment_id
            and obj.status != Booking.Status.CANCELLED
        ):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would skip the per-booking check
        return actions

    def get_queryset(self, request):
        failed = Provision.objects.filter(status=Provision.Status.FAILED)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("provisions", queryset=failed, to_attr="failed_parts"))
        )

    @admin.display(description="Start (clinic's time zone)", ordering="start")
    def start_in_clinic_zone(self, obj: Booking) -> str:
        try:
            zone = ZoneInfo(obj.provider_timezone) if obj.provider_timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
        local = obj.start.astimezone(zone) if zone else obj.start
        return local.strftime("%Y-%m-%d %H:%M %Z")

    @admin.display(description="Patient", ordering="last_name")
    def patient_name(self, obj: Booking) -> str:
        return obj.patient_name

    @admin.display(description="Provisioning failures")
    def provisioning_failures(self, obj: Booking) -> str:
        parts = getattr(obj, "failed_parts", None)
        if parts is None:
            parts = obj.provisions.filter(status=Provision.Status.FAILED)
        return (
            "; ".join(f"{p.get_part_display()}: {p.failure_reason or 'failed'}" for p in parts)
            or "-"
        )


@admin.register(SlotHold)
class SlotHoldAdmin(admin.ModelAdmin):
    list_display = ["provider_id", "start", "expires_at", "is_live", "page"]
    list_filter = ["page"]
    readonly_fields = [f.name for f in SlotHold._meta.fields]

    @admin.display(boolean=True)
    def is_live(self, obj: SlotHold) -> bool:
        return obj.expires_at > timezone.now()

    def has_add_permission(self, request):
        return False


@admin.register(AppointmentTypePlan)
class AppointmentTypePlanAdmin(admin.ModelAdmin):
    list_display = [
        "appointment_type_id",
        "label",
        "video",
        "semble_questionnaire_token",
        "qualiphy_exam_ids",
        "provision_booked_elsewhere",
    ]
    search_fields = ["appointment_type_id", "label"]


@admin.register(ProviderVideoRoute)
class ProviderVideoRouteAdmin(admin.ModelAdmin):
    list_display = ["provider_id", "hcw_doctor_email", "hcw_queue"]
    search_fields = ["provider_id", "hcw_doctor_email", "hcw_queue"]


class QualiphyExamInline(admin.TabularInline):
    model = QualiphyExam
    extra = 0
    can_delete = False
    fields = ["patient_exam_id", "exam_id", "title", "status", "cancelled"]
    readonly_fields = fields


@admin.register(Provision)
class ProvisionAdmin(admin.ModelAdmin):
    list_display = ["booking", "part", "status", "attempts", "updated_at"]
    list_filter = ["status", "part"]
    search_fields = ["booking__reference", "external_id"]
    readonly_fields = [
        "booking",
        "part",
        "status",
        "failure_reason",
        "attempts",
        "external_id",
        "patient_url",
        "details",
        "written_to_healthie",
        "claimed_until",
        "created_at",
        "updated_at",
    ]
    inlines = [QualiphyExamInline]
    actions = [retry_failed_provisioning]

    def has_add_permission(self, request):
        return False


# --- Healthie sync: what staff check when changes made in Healthie seem not to arrive ---------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SyncStatus)
class SyncStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "last_delivery_at",
        "last_verification_failure_at",
        "last_verification_failure",
        "verification_failures",
        "last_reconciled_at",
        "last_reconcile_checked",
        "last_reconcile_fixed",
        "last_reconcile_error",
    ]


@admin.register(HealthieWebhook)
class HealthieWebhookAdmin(ReadOnlyAdmin):
    list_display = ["healthie_id", "url", "event_types", "rotated_at", "updated_at"]
    fields = ["healthie_id", "url", "event_types", "rotated_at", "created_at", "updated_at"]
    readonly_fields = fields  # never the secrets


@admin.register(HealthieEvent)
class HealthieEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_type", "resource_id", "outcome", "processed_at"]
    list_filter = ["outcome", "event_type"]
    search_fields = ["resource_id"]
