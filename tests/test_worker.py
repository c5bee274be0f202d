"""Celery behaviour through a real worker process on the real Redis broker, never eager mode."""

from __future__ import annotations

import pytest

from readiness.models import Heartbeat
from readiness.tasks import heartbeat
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker]


def test_real_worker_on_redis_runs_a_task_end_to_end(celery_worker_process) -> None:
    assert not Heartbeat.objects.exists()
    heartbeat.delay()
    beat = wait_for(lambda: Heartbeat.objects.filter(name="beat").first(), message="the worker's heartbeat row")
    assert beat.beat_at is not None
    assert "readiness.tasks.heartbeat" in celery_worker_process.log()
