"""Reads of django-simple-history: who changed what on an application, and its state at a past moment.

Each tracked model costs one query for its records (rows reaching the application through a
parent or a path are found by subqueries), and each related model one query to name the rows
foreign keys point to, whatever the number of changes; diffs are computed in Python between
consecutive records of the same row.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.text import capfirst

from readiness import models as m

logger = logging.getLogger(__name__)

# simple_history adds `history`, `tracked_fields` and `instance_type` to models at run time,
# where mypy can't see them: hence the attr-defined ignores below.

# Tracked fields no one reads in a diff: the key never changes, every row on the page belongs
# to the application, the fingerprint is a hash.
IGNORED_FIELDS = {"id", "application", "agreed_fingerprint"}
TYPE_LABELS = {"+": "created", "~": "changed", "-": "deleted"}
# JSON lists of choices, which the model field cannot declare: their items shown by label.
LIST_LABELS = {"readiness.escalationlevel.duties": dict(m.Duty.choices)}


def _own(application: m.Application) -> Q:
    return Q(application_id=application.pk)


def _children_of(parent: type[models.Model], fk: str) -> Callable[[m.Application], Q]:
    """Rows reaching the application through a parent; the parent's history, so deleted parents count."""
    return lambda application: Q(**{f"{fk}__in": parent.history.filter(application_id=application.pk).values("id")})  # type: ignore[attr-defined]


def _path_people(application: m.Application) -> Q:
    levels = m.EscalationLevel.history.filter(application_id=application.pk)
    return (
        Q(id__in=levels.values("primary_id"))
        | Q(id__in=levels.values("backup_id"))
        | Q(id__in=levels.values("after_hours_cover_id"))
    )


def _path_teams(application: m.Application) -> Q:
    return Q(id__in=m.Person.history.filter(_path_people(application)).values("team_id"))


def _accountable_users(application: m.Application) -> Q:
    # A token reads every application's contacts through the lookup API: the tokens of the
    # people answerable for this one are part of who could read it.
    users = [application.delivery_lead_id, application.business_owner_id, application.support_lead_id]
    return Q(user_id__in=[pk for pk in users if pk]) | Q(user_id__in=application.members.values("pk"))


@dataclass(frozen=True)
class Tracked:
    """A tracked model and how to find its historical rows of one application."""

    model: type[models.Model]
    area: str
    rows_of: Callable[[m.Application], Q] = _own


def tracked_models() -> list[Tracked]:
    """Every model with history that belongs to an application, directly or through a parent."""
    return [
        Tracked(m.Application, "Application", lambda application: Q(id=application.pk)),
        Tracked(m.EscalationLevel, "Escalation path"),
        Tracked(m.StandIn, "Escalation path", _children_of(m.EscalationLevel, "level_id")),
        Tracked(m.Person, "Contacts", _path_people),
        Tracked(m.Team, "Teams", _path_teams),
        Tracked(m.OwnershipRule, "Ownership rules"),
        Tracked(m.Hypercare, "Hypercare"),
        Tracked(m.HypercareExtension, "Hypercare", _children_of(m.Hypercare, "hypercare_id")),
        Tracked(m.ExitCriterion, "Exit criteria"),
        Tracked(m.GateWaiver, "Gates"),
        Tracked(m.Runbook, "Runbooks"),
        Tracked(m.RunbookExercise, "Runbooks", _children_of(m.Runbook, "runbook_id")),
        Tracked(m.AlertCheck, "Monitoring"),
        Tracked(m.AlertVerification, "Monitoring", _children_of(m.AlertCheck, "alert_id")),
        Tracked(m.AlertWebhook, "Monitoring"),
        Tracked(m.AccessCheck, "Access"),
        Tracked(m.KnownIssue, "Known issues"),
        Tracked(m.Drill, "Drills"),
        Tracked(m.DrillAction, "Drills", _children_of(m.Drill, "drill_id")),
        Tracked(m.DrillCall, "Drills", _children_of(m.Drill, "drill_id")),
        Tracked(m.DecisionRecord, "Decisions"),
        Tracked(m.ApiToken, "API tokens", _accountable_users),
    ]


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
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)


def _label_of(record: Any) -> str:
    """What a row is called in a sentence: its name or title, else the gate it waives, else its reason."""
    if hasattr(record, "get_gate_display"):
        return str(record.get_gate_display())
    for attr in ("name", "title", "signal", "description", "reason", "evidence"):
        value = getattr(record, attr, None)
        if value:
            return str(value)[:80]
    if getattr(record, "starts_on", None) and getattr(record, "planned_end_on", None):
        return f"{record.starts_on:%d %b %Y}–{record.planned_end_on:%d %b %Y}"
    return f"#{getattr(record, 'id', record.pk)}"


def diff_fields(history_model: type[models.Model]) -> list[models.Field]:
    """The fields a change can show: those the historical model tracks and a person can edit.

    Read from the historical model, not the live one: a field added to a model, or left out
    of its history, is simply not compared (comparing it is what broke this page before).
    """
    return [f for f in history_model.tracked_fields if f.editable and f.name not in IGNORED_FIELDS]  # type: ignore[attr-defined]


def _name_of(obj: Any) -> str:
    if hasattr(obj, "get_username"):
        return obj.get_full_name() or obj.get_username()
    return _label_of(obj)


def _names_of_related(histories: list[tuple[type[models.Model], list[Any]]]) -> dict[tuple[type, Any], str]:
    """Display names of every row the records' foreign keys point to, one query per related model."""
    ids: dict[type[models.Model], set[Any]] = defaultdict(set)
    for history_model, records in histories:
        for f in diff_fields(history_model):
            if f.is_relation and f.related_model is not None:
                ids[f.related_model].update(getattr(r, f.attname, None) for r in records)
    for wanted in ids.values():
        wanted.discard(None)
    names: dict[tuple[type, Any], str] = {}
    for related, wanted in ids.items():
        for pk, obj in related._base_manager.in_bulk(wanted).items():
            names[(related, pk)] = _name_of(obj)
    return names


def _format(f: models.Field, value: Any, names: dict[tuple[type, Any], str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if f.is_relation and f.related_model is not None:
        return names.get((f.related_model, value), f"#{value} (removed)")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return dateformat.format(moment, "j M Y H:i")
    if isinstance(value, date):
        return dateformat.format(value, "j M Y")
    if isinstance(value, list | tuple):
        labels = LIST_LABELS.get(f"{f.model._meta.label_lower}.{f.name}", {})
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(value)


def display(f: models.Field, value: Any, names: dict[tuple[type, Any], str]) -> str:
    """A stored value as a person reads it: choices by label, rows by name, dates formatted."""
    try:
        return _format(f, value, names)
    except Exception:  # the audit trail must render whatever odd value was stored
        logger.warning("history: cannot format %s=%r", f.name, value, exc_info=True)
        return repr(value)


def _label(f: models.Field) -> str:
    return capfirst(str(f.verbose_name))  # as the edit form labels it


def _who(record: Any) -> str:
    return _name_of(record.history_user) if record.history_user else "system"


def _changes_for(
    history_model: type[models.Model], records: list[Any], area: str, names: dict[tuple[type, Any], str]
) -> list[Change]:
    # the tracked row's key; a record's own pk is history_id
    row_id = history_model.instance_type._meta.pk.attname  # type: ignore[attr-defined]
    records.sort(key=lambda r: (getattr(r, row_id), r.history_date, r.history_id))
    fields = diff_fields(history_model)
    changes = []
    previous: Any = None
    for record in records:
        if previous is not None and getattr(previous, row_id) != getattr(record, row_id):
            previous = None
        change = Change(
            when=record.history_date,
            who=_who(record),
            area=area,
            subject=_label_of(record),
            kind=TYPE_LABELS.get(record.history_type, str(record.history_type)),
            reason=record.history_change_reason or "",
        )
        if record.history_type == "+":
            # What a new row started with, so a waiver, token or verification reads in full.
            for f in fields:
                value = getattr(record, f.attname, None)
                if value is not None and value is not False and value not in ("", []):
                    change.changes.append(FieldChange(_label(f), "", display(f, value, names)))
        elif previous is not None and record.history_type == "~":
            for f in fields:
                old, new = getattr(previous, f.attname, None), getattr(record, f.attname, None)
                if old != new:
                    change.changes.append(FieldChange(_label(f), display(f, old, names), display(f, new, names)))
            if not change.changes and not change.reason:
                previous = record
                continue  # a save that changed nothing anyone reads
        changes.append(change)
        previous = record
    return changes


def application_changes(application: m.Application, *, limit: int = 200) -> list[Change]:
    """The newest changes first, across the application, its path's people and its artefacts."""
    histories = [
        (tracked, list(tracked.model.history.select_related("history_user").filter(tracked.rows_of(application))))  # type: ignore[attr-defined]
        for tracked in tracked_models()
    ]
    names = _names_of_related([(tracked.model.history.model, records) for tracked, records in histories])  # type: ignore[attr-defined]
    changes: list[Change] = []
    for tracked, records in histories:
        changes.extend(_changes_for(tracked.model.history.model, records, tracked.area, names))  # type: ignore[attr-defined]
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
    records = model.history.filter(history_date__lte=moment, **filters).latest_of_each()  # type: ignore[attr-defined]
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
