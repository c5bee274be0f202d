"""Celery tasks: thin, take primary keys, call one service, idempotent through the database.

Tasks are enqueued with `enqueue_on_commit`, never from inside a transaction that could
still roll back, and never so that a broker outage breaks the web request that asked.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


def _publish(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.delay(*args)
    except Exception:  # the broker is down: the database-driven sweep will pick the work up
        logger.warning("could not enqueue %s%r; the next sweep will retry", task.name, args, exc_info=True)


def enqueue_on_commit(task: Task, *args: Any) -> None:
    transaction.on_commit(lambda: _publish(task, args))


@shared_task
def heartbeat() -> None:
    """Scheduled by beat every minute; its row's age is what /health/ reports."""
    from readiness.services.system import heartbeat_record

    heartbeat_record(name="beat")
