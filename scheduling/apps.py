from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        # Register every domain's Celery tasks in this process: services enqueue them by name
        # (common.queue), and the worker finds the same modules through autodiscovery.
        from scheduling.booking import tasks as booking_tasks  # noqa: F401
        from scheduling.manage import tasks as manage_tasks  # noqa: F401
        from scheduling.provisioning import tasks as provisioning_tasks  # noqa: F401
        from scheduling.sync import tasks as sync_tasks  # noqa: F401

        _connect_picker_stamps()


def _connect_picker_stamps() -> None:
    """Rendered pickers are reused until what they show changes (booking.picker_cache):
    every write to a hold or a page, wherever it happens, says so."""
    from django.db.models.signals import post_delete, post_save

    from scheduling.availability import services as availability_services
    from scheduling.models import BookingPage, SlotHold

    for signal in (post_save, post_delete):
        signal.connect(availability_services.holds_changed, sender=SlotHold)
        signal.connect(availability_services.pages_changed, sender=BookingPage)
