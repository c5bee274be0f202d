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


def test_health_is_200_naming_the_database(client) -> None:
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["failing"] == []
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_workers_health_is_200_with_a_fresh_heartbeat(client) -> None:
    heartbeat_record(name="beat")
    response = client.get(reverse("health_workers"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker_beat"] == "ok"
    assert body["components"]["worker_beat"]["age_seconds"] < 5
    assert body["redis"] in {"ok", "not configured"}


def test_stopping_the_worker_leaves_health_at_200_and_turns_workers_to_503(client, settings) -> None:
    # The last heartbeat is older than the limit: the worker/beat stopped.
    heartbeat_record(name="beat", at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 10))

    site = client.get(reverse("health"))
    assert site.status_code == 200
    assert site.json()["status"] == "ok"

    workers = client.get(reverse("health_workers"))
    assert workers.status_code == 503
    assert workers.json()["failing"] == ["worker_beat"]
    assert workers.json()["worker_beat"] == "stale"


def test_before_the_first_heartbeat_the_site_is_up_and_workers_say_so(client) -> None:
    assert client.get(reverse("health")).status_code == 200
    workers = client.get(reverse("health_workers"))
    assert workers.status_code == 503
    assert workers.json()["components"]["worker_beat"]["error"] == "no scheduled task has run yet"


def test_both_health_endpoints_answer_over_plain_http_when_ssl_is_forced(client, settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    heartbeat_record(name="beat")
    # A load balancer probes over plain HTTP: the probes answer there, with what they found...
    for name in ("health", "health_workers"):
        response = client.get(reverse(name))
        assert (response.status_code, response.json()["status"]) == (200, "ok"), name
    # ...while every other page still sends the browser to HTTPS.
    ping = client.get(reverse("ping"))
    assert ping.status_code == 301 and ping["Location"] == f"https://testserver{reverse('ping')}"


def _health_in_subprocess(path: str = "/health/", **env: str) -> tuple[int, dict]:
    """Ask `path` in a fresh process configured by `env`, as a load balancer would see it."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        f"r = Client().get({path!r});"
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
    assert body["failing"] == ["database"]
    assert body["components"]["database"]["status"] == "down"


def test_unreachable_redis_keeps_the_site_up_and_fails_the_workers_check(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "REDIS_URL": "redis://127.0.0.1:1/0"}
    status, body = _health_in_subprocess("/health/", **env)
    assert status == 200
    assert body["database"] == "ok"
    status, body = _health_in_subprocess("/health/workers/", **env)
    assert status == 503
    assert "redis" in body["failing"]
    assert body["redis"] == "down"


def test_ping_is_a_signed_in_no_op(client, lead) -> None:
    assert client.get(reverse("ping")).status_code == 302
    client.force_login(lead)
    response = client.get(reverse("ping"))
    assert response.status_code == 200
    assert response.content == b"pong"
