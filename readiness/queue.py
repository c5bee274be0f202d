"""Background work asked for by a service, published once the service's transaction commits.

Services enqueue tasks and tasks call services. Services name the task (`"reminder_send"`)
and only this module imports readiness.tasks, when something is enqueued, so the imports run
one way: tasks → services → queue, never services → tasks (tests/test_import_layers.py).

Never from inside a transaction that could still roll back (a worker would find nothing, or
act on a write that never happened), and never so that a broker outage breaks the web
request that asked: the database-driven sweeps pick up what could not be published.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Publish readiness.tasks.<task_name>(*args) once the current transaction commits (at once
    outside one). An unknown name fails here, in the caller's transaction, not in a worker."""
    from readiness import tasks

    task: Task = getattr(tasks, task_name)
    transaction.on_commit(lambda: _publish(task, args))


def _publish(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.delay(*args)
    except Exception:  # the broker is down: the database-driven sweep will pick the work up
        logger.warning("could not enqueue %s%r; the next sweep will retry", task.name, args, exc_info=True)
