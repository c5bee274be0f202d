"""What an import will do, worked out before anything is written (issue 16).

Each import (a Backstage catalog file, a people CSV, a paths CSV) is two steps: a plan, which
reads the file and the database and lists, item by item, what would be created, changed or left
alone and every error with its line; and an apply service (readiness.services.imports), which
works the plan out again inside its transaction and refuses when it is not the plan the user
saw. So the preview is what the import does, and a file with one bad row writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# Larger is not a catalog or a people list someone reviews on one page: refused before parsing.
IMPORT_MAX_BYTES = 1_000_000
# More items than anyone reads in a preview; also bounds the work of one import.
IMPORT_MAX_ITEMS = 2_000

CREATE, UPDATE, UNCHANGED, IGNORED = "create", "update", "unchanged", "ignored"
ACTION_LABELS = {CREATE: "will be created", UPDATE: "will be changed", UNCHANGED: "left alone", IGNORED: "not imported"}


@dataclass
class Item:
    """One thing the import creates, changes or leaves alone, and where the file says it."""

    kind: str  # "application", "team", "person", "runbook", "dashboard", "level"
    key: str  # how it is found again: a catalog ref, an email, a name
    label: str  # what the user reads
    action: str
    line: int
    changes: list[str] = field(default_factory=list)  # "stage: Build → Business as usual"
    values: dict[str, Any] = field(default_factory=dict)  # what apply writes (not shown)
    target: Any = None  # the existing row, for an update

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ImportPlan:
    source: str  # the file's text, as read
    items: list[Item] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.errors.append(RowError(line, message))

    def add(self, item: Item) -> Item:
        self.items.append(item)
        return item

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTION_LABELS, 0)
        for item in self.items:
            counts[item.action] += 1
        return counts

    def summary(self) -> list[tuple[str, str, str, int, str]]:
        """(kind, key, action, line, changes) of every item: what the preview shows and the
        fingerprint covers."""
        return [(i.kind, i.key, i.action, i.line, "; ".join(i.changes)) for i in self.items]

    @property
    def fingerprint(self) -> str:
        """The file and every item's action: the confirm form carries it, and apply refuses to
        work a plan out to anything else (the data changed since the preview)."""
        digest = hashlib.sha256(self.source.encode("utf-8", "surrogatepass"))
        digest.update(repr(self.summary()).encode("utf-8", "surrogatepass"))
        digest.update(repr([str(error) for error in self.errors]).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


def too_large(text: str) -> str:
    if len(text) > IMPORT_MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > IMPORT_MAX_BYTES:
        return f"The file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB; split it."
    return ""


def diff(target: Any, values: dict[str, Any], labels: dict[str, str] | None = None) -> list[str]:
    """ "field: old → new" for each value that differs from the row's, choices by their labels."""
    changes = []
    for name, new in values.items():
        old = getattr(target, name)
        if old != new:
            choices = dict(target._meta.get_field(name).choices or [])
            label = (labels or {}).get(name, name.replace("_", " "))
            before, after = (_shown(value, choices) for value in (old, new))
            changes.append(f"{label}: {before} → {after}")
    return changes


def _shown(value: Any, choices: dict[Any, Any]) -> str:
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, list):  # a level's duties: as the file writes them, words apart
        return " ".join(str(part) for part in value)
    return str(choices.get(value, value))
