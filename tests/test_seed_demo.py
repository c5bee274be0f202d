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
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


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
