"""Enqueueing Celery tasks by name.

A service that starts background work names the task instead of importing its module: the
task modules import the services, so an import the other way would close a circle. Celery
resolves the name to the registered task (and honours task_always_eager, as `.delay` does).
"""

from celery import current_app


def enqueue(task: str, *args, countdown: float | None = None) -> None:
    current_app.signature(task, args=args).apply_async(countdown=countdown)
