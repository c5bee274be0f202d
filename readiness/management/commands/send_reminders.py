"""`manage.py send_reminders [--dry-run] [--inline]`: the beat's reminder sweep, run by hand."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from readiness.models import Person
from readiness.services.reminders import reminder_send, reminder_sweep

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Find the contacts due a reminder step and enqueue one send task each (what beat runs every 15 minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List who is due; send and enqueue nothing.")
        parser.add_argument("--inline", action="store_true",
                            help="Send in this process instead of through the Celery worker.")

    def handle(self, *args: Any, dry_run: bool = False, inline: bool = False, **options: Any) -> None:
        due: list[tuple[int, int, str]] = []
        if dry_run:
            reminder_sweep(dispatch=lambda pk, cycle, step: due.append((pk, cycle, step)))
            names = dict(Person.objects.filter(pk__in=[pk for pk, _, _ in due]).values_list("pk", "name"))
            for pk, cycle, step in due:
                self.stdout.write(f"due: {names.get(pk, pk)} (person {pk}), cycle {cycle}, step {step}")
            self.stdout.write(f"{len(due)} due; dry run, nothing sent.")
            return
        if inline:
            decisions: list[str] = []

            def send(pk: int, cycle: int, step: str) -> None:
                # One contact's failure (the mail server down, say) must not stop the others; as
                # with the worker, the contact stays due and the next sweep tries again.
                try:
                    decisions.append(reminder_send(person_pk=pk, cycle=cycle, step=step))
                except Exception:
                    logger.exception("reminder_send failed for person %s", pk)
                    decisions.append("error")

            count = reminder_sweep(dispatch=send)
            errors = decisions.count("error")
            failed = f" {errors} failed (see the log)." if errors else ""
            self.stdout.write(f"{count} due; {decisions.count('sent')} sent here.{failed}")
            return
        count = reminder_sweep()
        self.stdout.write(f"{count} due; one send task enqueued for each.")
