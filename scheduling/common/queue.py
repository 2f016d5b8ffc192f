"""Enqueueing Celery tasks by name.

A service that starts background work names the task instead of importing its module: the
task modules import the services, so an import the other way would close a circle. Every task
module is imported when Django starts (SchedulingConfig.ready), so the name resolves to the
registered task, and `apply_async` behaves as on the task itself (task_always_eager included).
"""

from celery import current_app


def enqueue(task: str, *args, countdown: float | None = None) -> None:
    current_app.tasks[task].apply_async(args=list(args), countdown=countdown)
