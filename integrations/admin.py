from django.contrib import admin

from integrations.models import VendorNotice


@admin.register(VendorNotice)
class VendorNoticeAdmin(admin.ModelAdmin):
    list_display = ["vendor", "code", "message", "times_seen", "first_seen", "last_seen"]
    list_filter = ["vendor", "code"]
    readonly_fields = ["vendor", "code", "message", "times_seen", "first_seen", "last_seen"]
