from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: Any) -> None:
    from readiness.roles import ensure_role_groups

    ensure_role_groups()


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = "Readiness"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # No model signals: each service says what its write causes (services.gates.
        # application_evidence_changed, services.reminders.people_schedule_refresh), and so does
        # the admin (readiness/admin.py).
        post_migrate.connect(_sync_roles, sender=self)
