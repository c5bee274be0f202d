"""The directory "Who do I call?" reads for one application, and its stored form.

An answer needs the application's classes of problem (ownership rules), its escalation path
with the people on it (and their stand-ins) and their working hours and leave, its runbooks and its open known
issues: seven queries through the ORM, about 7 ms of Django's work on the bench for well under
1 ms of the database's. The same rows are loaded when the application's gates are judged, so
the refresh that stores today's verdict stores them too, as plain JSON (models.LookupDirectory),
and a lookup reads one row while it is current. The rows come back as unsaved model objects,
built fresh for each request, so the answer's code is the same whichever way they came.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from readiness.gates.version import rules_version
from readiness.models import (
    Application,
    EscalationLevel,
    KnownIssue,
    KnownIssueStatus,
    Leave,
    LookupDirectory,
    OwnershipRule,
    Person,
    Runbook,
    StandIn,
    WorkingHours,
)
from readiness.models.people import attach_calendars
from readiness.models.standins import attach_standins, level_standins

# What matching and the answer read of a runbook (its steps can run to pages).
RUNBOOK_FIELDS = ("id", "application_id", "title", "symptom", "escalation_level_id")
PEOPLE_ON_LEVEL = ("primary", "backup", "after_hours_cover")


@dataclass
class Directory:
    rules: list[OwnershipRule]
    levels: list[EscalationLevel]  # in position order, each with its people and their calendars
    runbooks: list[Runbook]  # RUNBOOK_FIELDS only, by title
    known_issues: list[KnownIssue]  # open ones, by title


def levels_with_people(levels: models.QuerySet[EscalationLevel], now: datetime | None = None) -> list[EscalationLevel]:
    """The levels with their people, their stand-ins (models.standins.attach_standins, as of
    `now`) and everyone's calendars: four queries however many levels.

    The people come joined with their levels; someone on several levels (or on one level
    twice, or standing in) is one object, so their working hours and leave are fetched and read once.
    """
    loaded = list(levels.select_related(*PEOPLE_ON_LEVEL))
    people: dict[int, Person] = {}
    for level in loaded:
        for attribute in PEOPLE_ON_LEVEL:
            person = getattr(level, attribute)
            if person is not None:
                setattr(level, attribute, people.setdefault(person.pk, person))
    attach_standins(loaded, now or timezone.now())
    for level in loaded:
        for standin in level_standins(level):
            standin.person = people.setdefault(standin.person_id, standin.person)
    attach_calendars(people.values())
    return loaded


# The stored form is shaped by this module and by the models (which rules_version hashes): a
# directory stored by other code is not read.
_DIRECTORY_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def directory_version() -> str:
    return hashlib.sha256(f"{rules_version()}{_DIRECTORY_CODE}".encode()).hexdigest()[:16]


def _current(application: Application | OuterRef) -> models.QuerySet[LookupDirectory]:
    """The application's stored directory if it is current: built from its evidence version now,
    by this code."""
    version = application.evidence_version if isinstance(application, Application) else OuterRef("evidence_version")
    return LookupDirectory.objects.filter(application=application, evidence_version=version, rules=directory_version())


def with_directory(applications: models.QuerySet[Application]) -> models.QuerySet[Application]:
    """The applications with their current stored directory beside them (`stored_directory`, None
    when there is none), read in the same query: what a lookup naming an application reads."""
    return applications.annotate(stored_directory=Subquery(_current(OuterRef("pk")).values("data")[:1],
                                                           output_field=models.JSONField()))


def directory_read(application: Application) -> Directory:
    """The stored directory when it is current (read with the application by `with_directory`, or
    one query), else the rows themselves (seven)."""
    if "stored_directory" in application.__dict__:
        stored = application.__dict__["stored_directory"]
    else:
        stored = _current(application).values_list("data", flat=True).first()
    return directory_from_data(application, stored) if stored is not None else directory_live(application)


def directory_artefacts(application: Application) -> tuple[list[Runbook], list[KnownIssue]]:
    """The application's runbooks (RUNBOOK_FIELDS, by title) and open known issues: two queries."""
    return (list(application.runbooks.only(*RUNBOOK_FIELDS).order_by("title")),
            list(application.known_issues.exclude(status=KnownIssueStatus.RESOLVED).order_by("title")))


def directory_live(application: Application) -> Directory:
    # Through the application's own managers, each row's `application` is that row: no query.
    runbooks, known_issues = directory_artefacts(application)
    return Directory(
        rules=list(application.ownership_rules.order_by("name")),
        levels=levels_with_people(application.levels.order_by("position")),
        runbooks=runbooks,
        known_issues=known_issues,
    )


# --- stored form ---------------------------------------------------------------------------------


def directory_data(*, rules: Iterable[OwnershipRule], levels: Iterable[EscalationLevel],
                   runbooks: Iterable[Runbook], known_issues: Iterable[KnownIssue]) -> dict[str, Any]:
    """Plain data of rows already loaded (the levels' people with their calendars): no query."""
    levels = sorted(levels, key=lambda level: level.position)
    people = {person.pk: person for level in levels for attribute in PEOPLE_ON_LEVEL
              if (person := getattr(level, attribute)) is not None}
    standins = [standin for level in levels for standin in level_standins(level)]
    people.update((standin.person_id, standin.person) for standin in standins if standin.person_id not in people)
    return {
        "rules": [_plain(rule) for rule in sorted(rules, key=lambda rule: rule.name)],
        "levels": [_plain(level) for level in levels],
        "people": [
            {**_plain(person), "working_hours": [_plain(hours) for hours in person.working_hours_list()],
             "leaves": [_plain(leave) for leave in person.leave_list()]}
            for person in people.values()
        ],
        "standins": [_plain(standin) for standin in standins],
        "runbooks": [_plain(runbook, RUNBOOK_FIELDS) for runbook in sorted(runbooks, key=lambda r: r.title)],
        "known_issues": [_plain(issue) for issue in sorted(known_issues, key=lambda issue: issue.title)
                         if issue.status != KnownIssueStatus.RESOLVED],
    }


def directory_row(application: Application, data: dict[str, Any], *, now: datetime) -> LookupDirectory:
    return LookupDirectory(application=application, evidence_version=application.evidence_version,
                           rules=directory_version(), built_at=now, data=data)


def directory_from_data(application: Application, data: dict[str, Any]) -> Directory:
    """Unsaved model objects, fresh for this request, as the live queries would have given them."""
    people = {}
    for row in data["people"]:
        person = _object(Person, row)
        person.__dict__["_calendar_rows"] = {  # as attach_calendars keeps them
            "working_hours": [_object(WorkingHours, hours) for hours in row["working_hours"]],
            "leaves": [_object(Leave, leave) for leave in row["leaves"]],
        }
        people[person.pk] = person
    levels = {}
    for row in data["levels"]:
        level = _object(EscalationLevel, row, application=application)
        for attribute in PEOPLE_ON_LEVEL:
            pk = row[f"{attribute}_id"]
            setattr(level, attribute, people[pk] if pk is not None else None)
        level.__dict__["_standins"] = []  # as attach_standins keeps them
        levels[level.pk] = level
    for row in data["standins"]:
        level = levels[row["level_id"]]
        level.__dict__["_standins"].append(_object(StandIn, row, level=level, person=people[row["person_id"]]))
    return Directory(
        rules=[_object(OwnershipRule, row, application=application) for row in data["rules"]],
        levels=list(levels.values()),
        runbooks=[_object(Runbook, row, application=application) for row in data["runbooks"]],
        known_issues=[_object(KnownIssue, row, application=application) for row in data["known_issues"]],
    )


def _plain(row: models.Model, names: Iterable[str] | None = None) -> dict[str, Any]:
    """A row's column values as JSON: dates, times and moments in ISO form, to the microsecond."""
    attnames = [f.attname for f in row._meta.concrete_fields] if names is None else list(names)
    values = {}
    for attname in attnames:
        value = getattr(row, attname)
        values[attname] = value.isoformat() if isinstance(value, date | time) else value
    return values


# Columns JSON holds as they are; dates, times and moments come back from their ISO form, and
# any other kind of column through its field's own to_python.
_AS_STORED = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey,
              models.JSONField)


def _reader(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):  # before DateField: it is one
        return datetime.fromisoformat
    if isinstance(field, models.DateField):
        return date.fromisoformat
    if isinstance(field, models.TimeField):
        return time.fromisoformat
    return None if isinstance(field, _AS_STORED) else field.to_python


@functools.cache
def _columns(model: type[models.Model]) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    return tuple((field.attname, _reader(field)) for field in model._meta.concrete_fields)


def _object(model: type[models.Model], row: dict[str, Any], **related: Any) -> Any:
    # Built as the ORM builds a row it read (Model.from_db: positional, marked as saved), with
    # the columns the row holds (the rest deferred, as only() leaves them); `related`: the
    # objects its foreign keys point at, already in hand.
    names, values = [], []
    for attname, parse in _columns(model):
        if attname in row:
            value = row[attname]
            names.append(attname)
            values.append(parse(value) if parse is not None and value is not None else value)
    obj = model.from_db(DEFAULT_DB_ALIAS, names, values)
    for name, value in related.items():
        setattr(obj, name, value)
    return obj
