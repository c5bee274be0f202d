"""`manage.py import_paths paths.csv [--dry-run]`: an escalation paths CSV, as the import page does it."""

from __future__ import annotations

from readiness.imports.command import ImportCommand
from readiness.imports.paths_csv import paths_plan
from readiness.services.imports import paths_import


class Command(ImportCommand):
    help = "Import escalation levels from a CSV in the format Handoff exports at /paths.csv (people CSV first)."
    what = "paths CSV"
    plan = staticmethod(paths_plan)
    run = staticmethod(paths_import)
