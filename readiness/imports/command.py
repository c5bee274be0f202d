"""What `manage.py import_catalog`, `import_people` and `import_paths` share: read the file, print
the plan, and unless --dry-run import exactly that plan (the same services as the pages)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.imports.plan import ImportPlan, too_large
from readiness.services.imports import ImportRefused


class ImportCommand(BaseCommand):
    what = "file"
    plan: Callable[..., ImportPlan]
    run: Callable[..., ImportPlan]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=f"The {self.what} to import ('-' reads standard input).")
        parser.add_argument("--dry-run", action="store_true", help="Print what the import would do; write nothing.")

    def handle(self, *args: Any, path: str, dry_run: bool = False, **options: Any) -> None:
        text = self._read(path)
        plan = type(self).plan(text, by=None)
        for item in plan.items:
            changes = f" ({'; '.join(item.changes)})" if item.changes else ""
            self.stdout.write(f"line {item.line}: {item.label}: {item.action_label}{changes}")
        for error in plan.errors:
            self.stderr.write(f"error: {error}")
        counts = plan.counts()
        summary = f"{counts['create']} to create, {counts['update']} to change, {counts['unchanged']} left alone"
        if not plan.ok:
            raise CommandError(f"{len(plan.errors)} error(s); nothing imported.")
        if dry_run:
            self.stdout.write(f"{summary}; dry run, nothing written.")
            return
        try:
            type(self).run(text=text, fingerprint=plan.fingerprint, by=None)
        except (ImportRefused, ValidationError) as refusal:
            reason = str(refusal) if isinstance(refusal, ImportRefused) else " ".join(refusal.messages)
            raise CommandError(f"Nothing imported: {reason}") from refusal
        self.stdout.write(f"Imported: {summary.replace('to create', 'created').replace('to change', 'changed')}.")

    def _read(self, path: str) -> str:
        try:
            raw = self.stdin_bytes() if path == "-" else Path(path).read_bytes()
            text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not text in UTF-8.") from error
        problem = too_large(text)
        if problem:
            raise CommandError(problem)
        return text

    def stdin_bytes(self) -> bytes:
        import sys

        return sys.stdin.buffer.read()
