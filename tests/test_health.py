from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.services.system import heartbeat_record

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def test_health_is_200_with_each_component(client) -> None:
    heartbeat_record(name="beat")
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["worker_beat"]["status"] == "ok"
    assert body["components"]["worker_beat"]["age_seconds"] < 5
    assert body["components"]["redis"]["status"] in {"ok", "not configured"}


def test_health_is_503_when_heartbeat_is_stale(client, settings) -> None:
    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 10))
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker_beat"]


def _health_in_subprocess(**env: str) -> tuple[int, dict]:
    """Ask /health/ in a fresh process configured by `env`, as a load balancer would see it."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/health/');"
        "print(r.status_code); print(r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "handoff.settings", "ALLOWED_HOSTS": "testserver", **env},
        capture_output=True, text=True, timeout=60, check=True,
    )
    status, body = result.stdout.strip().split("\n", 1)
    return int(status), json.loads(body)


def test_health_is_503_naming_the_database_when_it_is_unreachable() -> None:
    status, body = _health_in_subprocess(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", DATABASE_CONNECT_TIMEOUT="2", REDIS_URL=""
    )
    assert status == 503
    assert "database" in body["failing"]
    assert body["components"]["database"]["status"] == "down"


def test_health_is_503_naming_redis_when_it_is_unreachable(tmp_path) -> None:
    status, body = _health_in_subprocess(
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert status == 503
    assert "redis" in body["failing"]


def test_ping_is_a_signed_in_no_op(client, lead) -> None:
    assert client.get(reverse("ping")).status_code == 302
    client.force_login(lead)
    response = client.get(reverse("ping"))
    assert response.status_code == 200
    assert response.content == b"pong"
