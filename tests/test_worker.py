"""Celery behaviour through a real worker process on the real Redis broker, never eager mode."""

from __future__ import annotations

import pytest

from readiness.models import Heartbeat
from readiness.tasks import heartbeat
from tests.conftest import wait_for


@pytest.mark.worker
def test_real_worker_on_redis_runs_a_task_end_to_end(celery_worker_process) -> None:
    assert not Heartbeat.objects.exists()
    heartbeat.delay()
    beat = wait_for(lambda: Heartbeat.objects.filter(name="beat").first(), message="the worker's heartbeat row")
    assert beat.beat_at is not None
    assert "readiness.tasks.heartbeat" in celery_worker_process.log()


@pytest.mark.django_db(transaction=True)
def test_laptop_default_runs_scheduled_work_without_any_server(tmp_path) -> None:
    """`make run` with no Redis: a real worker on kombu's filesystem transport under var/."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, WorkerProcess, _database_url_for_subprocess

    var = tmp_path / "var"
    for folder in ("celery/queue", "celery/processed", "celery/control"):
        (var / folder).mkdir(parents=True)
    env = {
        **os.environ,
        "REDIS_URL": "",
        "HANDOFF_VAR_DIR": str(var),
        "DATABASE_URL": _database_url_for_subprocess(),
        "CELERY_QUEUE": "handoff",
    }
    env.pop("DATABASE_TEST_NAME", None)
    worker = WorkerProcess(queue="handoff", env=env, log_path=tmp_path / "worker.log")
    worker.start()
    try:
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "handoff", "call", "readiness.tasks.heartbeat"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=60,
        )
        wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), message="a heartbeat via the filesystem")
    finally:
        worker.stop()
    assert "filesystem://" in worker.log()
