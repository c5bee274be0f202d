"""`manage.py import_people people.csv [--dry-run]`: a people CSV, as the import page does it."""

from __future__ import annotations

from readiness.imports.command import ImportCommand
from readiness.imports.people_csv import people_plan
from readiness.services.imports import people_import


class Command(ImportCommand):
    help = "Import people (and their teams) from a CSV in the format Handoff exports at /people.csv."
    what = "people CSV"
    plan = staticmethod(people_plan)
    run = staticmethod(people_import)
