from django.db import models


class VendorNotice(models.Model):
    """A warning a vendor sent us (e.g. Healthie's API_VERSION_SUNSET_WARNING), kept for staff.

    One row per vendor and code: it says when it was first and last seen and how often.
    """

    vendor = models.CharField(max_length=40)
    code = models.CharField(max_length=80)
    message = models.TextField()
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    times_seen = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "code"], name="one_notice_per_vendor_code")
        ]
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.code}"
