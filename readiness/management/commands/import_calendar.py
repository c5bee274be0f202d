"""Import a person's leave from an iCalendar file: `manage.py import_calendar someone@example.org leave.ics`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.calendars import CalendarProblem, LeavePlan, leave_import_plan
from readiness.models import Person
from readiness.services.calendars import leave_import


class Command(BaseCommand):
    help = "Import a person's leave from an .ics file: prints the plan, then writes it unless --dry-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's email address, as Handoff holds it.")
        parser.add_argument("file", help="The .ics file.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args: Any, email: str, file: str, dry_run: bool, **options: Any) -> None:
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"Nobody has the email address {email}.")
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
            plan = leave_import_plan(text, person)
            self._print(plan)
            if not dry_run:
                leave_import(person=person, text=text, fingerprint=plan.fingerprint)
        except (OSError, UnicodeDecodeError, CalendarProblem) as problem:
            raise CommandError(str(problem)) from problem
        self.stdout.write("Nothing written (dry run)." if dry_run else f"Imported {plan.writes} change(s).")

    def _print(self, plan: LeavePlan) -> None:
        for days in plan.create:
            self.stdout.write(f"new        {days.starts_on} – {days.ends_on}  {days.note}")
        for leave, days in plan.update:
            self.stdout.write(f"changed    {days.starts_on} – {days.ends_on}  {days.note} (was {leave.starts_on} – "
                              f"{leave.ends_on})")
        for leave in plan.unchanged:
            self.stdout.write(f"unchanged  {leave.starts_on} – {leave.ends_on}  {leave.note}")
