"""`manage.py import_catalog catalog-info.yaml [--dry-run]`: a Backstage catalog, as the import page does it."""

from __future__ import annotations

from readiness.imports.catalog import catalog_plan
from readiness.imports.command import ImportCommand
from readiness.services.imports import catalog_import


class Command(ImportCommand):
    help = "Import a Backstage catalog file: Components and Systems as applications, Groups as teams, Users as people."
    what = "catalog-info.yaml"
    plan = staticmethod(catalog_plan)
    run = staticmethod(catalog_import)
