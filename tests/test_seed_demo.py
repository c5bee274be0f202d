from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from readiness.demo import DEMO_PASSWORD
from readiness.models import Application, Stage

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent() -> None:
    call_command("seed_demo", verbosity=0)
    first = _row_counts()
    call_command("seed_demo", verbosity=0)
    assert _row_counts() == first


def test_demo_users_can_sign_in_with_printed_credentials(capsys) -> None:
    call_command("seed_demo")
    printed = capsys.readouterr().out
    for username in ("lead", "analyst", "owner"):
        assert f"{username}" in printed
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None


def test_demo_world_has_three_applications_in_different_states() -> None:
    call_command("seed_demo", verbosity=0)
    stages = dict(Application.objects.values_list("slug", "stage"))
    assert stages["ordering-portal"] == Stage.HYPERCARE
    assert {"pricing-service", "dispatch-board"} <= set(stages)


def test_seed_demo_prints_the_address_the_site_is_served_at(capsys, settings) -> None:
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert "Sign in at http://127.0.0.1:8123/ as:" in printed
    assert ":8000" not in printed


def test_make_port_sets_site_url_unless_given() -> None:
    import os
    import subprocess
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MAKELEVEL"}}

    def site_url(*args: str) -> str:
        # The real `seed` target (which `make run` starts with), with PY replaced by an echo of
        # the environment it gets; -o keeps make from (re)installing anything.
        result = subprocess.run(
            ["make", "-s", "--no-print-directory", "-o", ".venv/.installed", "-o", "var", "seed",
             "PY=echo SITE_URL=$$SITE_URL", *args],
            cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True, check=True,
        )
        return result.stdout.splitlines()[-1].split()[0]

    assert site_url() == "SITE_URL=http://127.0.0.1:8000"
    assert site_url("PORT=8123") == "SITE_URL=http://127.0.0.1:8123"
    assert site_url("PORT=8123", "SITE_URL=https://handoff.example") == "SITE_URL=https://handoff.example"
