from django.contrib import admin
from django.utils import timezone

from scheduling.models import Booking, BookingPage, BookingStatusChange, SlotHold


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


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "status",
        "start",
        "provider_name",
        "appointment_type_name",
        "contact_type",
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
    inlines = [StatusChangeInline]
    readonly_fields = [
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
    ]

    def has_add_permission(self, request):
        return False  # bookings come from Healthie checkouts, not from this form


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
