"""`manage.py verify_signoffs`: recompute every application's sign-off chain; exit 1 if any is broken."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from readiness.signoffs import applications_with_signoff_chains, signoff_chain_verify


class Command(BaseCommand):
    help = (
        "Check that no hypercare sign-off was altered or removed: prints each application's chain as "
        "intact (with its head, worth keeping outside the database) or what is wrong; fails if any is broken."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        applications = list(applications_with_signoff_chains())
        for application in applications:
            report = signoff_chain_verify(application)
            if report.intact:
                self.stdout.write(f"{application.name} ({application.slug}): {report.summary()}, head {report.head}")
            else:
                broken += 1
                self.stdout.write(f"{application.name} ({application.slug}): BROKEN: {report.summary()}")
        if not applications:
            self.stdout.write("No sign-offs recorded yet.")
        if broken:
            noun = "chain is" if broken == 1 else "chains are"
            raise CommandError(f"{broken} sign-off {noun} broken.")
