from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["login", "readiness:home", "password_change", "health"])
def test_every_page_carries_csp_and_security_headers(client, lead, url_name) -> None:
    client.force_login(lead)
    response = client.get(reverse(url_name))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_error_pages_carry_csp_too(client, lead) -> None:
    client.force_login(lead)
    response = client.get("/apps/no-such-application/")
    assert response.status_code == 404
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_deploy_check_passes_with_production_variables(tmp_path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "SECRET_KEY": "x7$Lq!2vR9#mZp@4kT8&wN5^bH1*cY6%jF3(dG0)sA-uE_oI+eQ=rW~tV`yB|n",
        "ALLOWED_HOSTS": "handoff.example.com",
        "DATABASE_URL": "postgres://handoff:secret@db.example.com:5432/handoff",
        "REDIS_URL": "redis://redis.example.com:6379/0",
        "EMAIL_HOST": "smtp.example.com",
        "HANDOFF_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path) -> None:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "HANDOFF_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
