"""Reads of django-simple-history: who changed what on an application, and its state at a past moment.

Each tracked model costs one query for its records and one per related model to name foreign
keys, whatever the number of changes; diffs are computed in Python between consecutive records
of the same row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from readiness import models as m

# Fields every change touches or nobody reads in a diff.
IGNORED_FIELDS = {"id", "created_at", "updated_at", "last_confirmed_at"}
TYPE_LABELS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Tracked:
    """A tracked model and how to find its rows of one application."""

    model: type[models.Model]
    area: str
    to_application: str  # lookup path from the historical row to the application id


def tracked_models() -> list[Tracked]:
    """Contacts, paths, rules, criteria, gates (waivers) and the readiness artefacts of issue 3."""
    candidates = [
        (m.Application, "Application", "id"),
        (m.EscalationLevel, "Escalation path", "application_id"),
        (m.OwnershipRule, "Ownership rules", "application_id"),
        (m.Hypercare, "Hypercare", "application_id"),
        (m.ExitCriterion, "Exit criteria", "application_id"),
        (m.GateWaiver, "Gates", "application_id"),
        (m.Runbook, "Runbooks", "application_id"),
        (m.AlertCheck, "Monitoring", "application_id"),
        (m.AccessCheck, "Access", "application_id"),
        (m.KnownIssue, "Known issues", "application_id"),
        (m.Drill, "Drills", "application_id"),
        (m.DecisionRecord, "Decisions", "application_id"),
    ]
    return [Tracked(model, area, path) for model, area, path in candidates if hasattr(model, "history")]


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    when: datetime
    who: str
    area: str
    subject: str
    kind: str
    changes: list[FieldChange] = field(default_factory=list)


def _label_of(record: Any) -> str:
    for attr in ("name", "title", "signal", "description"):
        value = getattr(record, attr, None)
        if value:
            return str(value)[:80]
    if hasattr(record, "get_gate_display"):
        return record.get_gate_display()
    if hasattr(record, "starts_on"):
        return f"{record.starts_on:%d %b %Y}–{record.planned_end_on:%d %b %Y}"
    return f"#{record.id}"


def _diff_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS]


def _names_of_related(model: type[models.Model], records: list[Any]) -> dict[tuple[type, Any], str]:
    """Display names of every row the records' foreign keys point to, one query per related model."""
    ids: dict[type[models.Model], set[Any]] = defaultdict(set)
    for f in _diff_fields(model):
        if f.is_relation and f.related_model is not None:
            ids[f.related_model].update(getattr(r, f.attname) for r in records if getattr(r, f.attname) is not None)
    names: dict[tuple[type, Any], str] = {}
    for related, wanted in ids.items():
        for pk, obj in related._base_manager.in_bulk(wanted).items():
            names[(related, pk)] = (
                obj.get_full_name() or obj.get_username() if hasattr(obj, "get_username") else _label_of(obj)
            )
    return names


def _display(f: models.Field, value: Any, names: dict[tuple[type, Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if f.is_relation and f.related_model is not None:
        return names.get((f.related_model, value), f"#{value} (removed)")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _history_of(tracked: Tracked, application: m.Application, person_ids: set[int] | None = None) -> Any:
    history = tracked.model.history.select_related("history_user")
    if person_ids is not None:
        return history.filter(id__in=person_ids)
    return history.filter(**{tracked.to_application: application.pk})


def _changes_for(records: list[Any], model: type[models.Model], area: str) -> list[Change]:
    records.sort(key=lambda r: (r.id, r.history_date, r.history_id))
    names = _names_of_related(model, records)
    fields = _diff_fields(model)
    changes = []
    previous: Any = None
    for record in records:
        if previous is None or previous.id != record.id:
            previous = None
        user = record.history_user
        change = Change(
            when=record.history_date,
            who=(user.get_full_name() or user.get_username()) if user else "system",
            area=area,
            subject=_label_of(record),
            kind=TYPE_LABELS.get(record.history_type, record.history_type),
        )
        if previous is not None and record.history_type == "~":
            for f in fields:
                old, new = getattr(previous, f.attname), getattr(record, f.attname)
                if old != new:
                    label = str(f.verbose_name)
                    change.changes.append(FieldChange(label, _display(f, old, names), _display(f, new, names)))
            if not change.changes:
                previous = record
                continue  # a save that changed nothing anyone reads
        changes.append(change)
        previous = record
    return changes


def path_person_ids(application: m.Application) -> set[int]:
    rows = m.EscalationLevel.history.filter(application_id=application.pk).values_list(
        "primary_id", "backup_id", "after_hours_cover_id"
    )
    return {pk for row in rows for pk in row if pk is not None}


def application_changes(application: m.Application, *, limit: int = 200) -> list[Change]:
    """The newest changes first, across the application, its path's people and its artefacts."""
    changes: list[Change] = []
    for tracked in tracked_models():
        records = list(_history_of(tracked, application))
        changes.extend(_changes_for(records, tracked.model, tracked.area))
    people = list(m.Person.history.select_related("history_user").filter(id__in=path_person_ids(application)))
    changes.extend(_changes_for(people, m.Person, "Contacts"))
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]


@dataclass
class PastState:
    """An application's readiness as it stood at `moment`, from the historical tables."""

    moment: datetime
    application: Any | None
    levels: list[Any]
    people: dict[int, Any]
    rules: list[Any]
    criteria: list[Any]
    hypercare: Any | None
    waivers: list[Any]

    def person(self, pk: int | None) -> Any | None:
        return self.people.get(pk) if pk else None

    @property
    def level_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "level": level,
                "primary": self.person(level.primary_id),
                "backup": self.person(level.backup_id),
                "after_hours": self.person(level.after_hours_cover_id),
            }
            for level in self.levels
        ]

    @property
    def level_names(self) -> dict[int, str]:
        return {level.id: f"L{level.position} {level.name}" for level in self.levels}

    @property
    def rule_rows(self) -> list[dict[str, Any]]:
        names = self.level_names
        return [{"rule": rule, "level": names.get(rule.level_id, "—")} for rule in self.rules]


def _as_of(model: type[models.Model], moment: datetime, **filters: Any) -> list[Any]:
    """The latest historical record of each row at `moment`, rows deleted by then left out.

    Historical records rather than `as_of()` instances: a model whose history leaves out some
    fields (Person's reminder bookkeeping) would load each missing field with a query per row.
    """
    records = model.history.filter(history_date__lte=moment, **filters).latest_of_each()
    return [record for record in records if record.history_type != "-"]


def application_as_of(application: m.Application, moment: datetime) -> PastState:
    apps = _as_of(m.Application, moment, id=application.pk)
    levels = sorted(_as_of(m.EscalationLevel, moment, application_id=application.pk), key=lambda lv: lv.position)
    person_ids = {pk for lv in levels for pk in (lv.primary_id, lv.backup_id, lv.after_hours_cover_id) if pk}
    people = {p.id: p for p in _as_of(m.Person, moment, id__in=person_ids)} if person_ids else {}
    hypercare = _as_of(m.Hypercare, moment, application_id=application.pk)
    waivers = [
        w for w in _as_of(m.GateWaiver, moment, application_id=application.pk) if w.expires_on > moment.date()
    ]
    return PastState(
        moment=moment,
        application=apps[0] if apps else None,
        levels=levels,
        people=people,
        rules=sorted(_as_of(m.OwnershipRule, moment, application_id=application.pk), key=lambda r: r.name),
        criteria=sorted(_as_of(m.ExitCriterion, moment, application_id=application.pk), key=lambda c: c.position),
        hypercare=hypercare[0] if hypercare else None,
        waivers=waivers,
    )
