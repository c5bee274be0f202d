from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from readiness.demo import DEMO_PASSWORD, seed
from readiness.demo.world import USERS


class Command(BaseCommand):
    help = "Create the demo world (idempotent: a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        seed(timezone.localdate())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at {settings.SITE_URL}/ as:"))
        for username, first, last, _email, role in USERS:
            self.stdout.write(f"  {username:<8} / {DEMO_PASSWORD}   {first} {last}, {role}")
        self.stdout.write(f"  {'admin':<8} / {DEMO_PASSWORD}   Django admin at /admin/")
