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
