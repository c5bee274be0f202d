"""Teams, people, their working hours and leave, and what happens when someone leaves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from readiness.models import (
    AlertCheck,
    EscalationLevel,
    KnownIssue,
    Leave,
    OwnershipRule,
    Person,
    Runbook,
    Team,
    WorkingHours,
)
from readiness.models.closures import ClosureDay
from readiness.models.people import overlapping_windows
from readiness.services.escalation import level_stale_reason
from readiness.services.gates import application_evidence_changed


@transaction.atomic
def team_save(*, team: Team) -> Team:
    team.full_clean()
    team.save()
    return team


Window = tuple[time, time]


@transaction.atomic
def person_save(
    *, person: Person, hours: Mapping[int, Window | Sequence[Window] | None] | None = None
) -> Person:
    """Create or update a person; `hours` (weekday → its windows, or one window, or None for a
    day off) replaces their week. Windows that share time are refused."""
    new = person.pk is None
    person.full_clean()
    person.save()
    if hours is not None:
        rows = [
            WorkingHours(person=person, weekday=weekday, starts_at=window[0], ends_at=window[1])
            for weekday, windows in sorted(hours.items())
            for window in _windows(windows)
        ]
        for row in rows:
            row.full_clean(exclude=["person"], validate_unique=False)
        overlaps = overlapping_windows(rows)
        if overlaps:
            first, second = overlaps[0]
            raise ValidationError(f"Working hours {rows[first]} and {rows[second]} overlap.")
        person.working_hours.all().delete()
        WorkingHours.objects.bulk_create(rows)
    if new:  # the organisation's closures ahead are theirs too
        Leave.objects.bulk_create(
            Leave(person=person, starts_on=closure.day, ends_on=closure.day, note=closure.name, closure=closure)
            for closure in ClosureDay.objects.filter(day__gte=timezone.localdate())
        )
    else:  # someone new is on no path yet
        application_evidence_changed(person_ids=[person.pk])
    return person


@transaction.atomic
def closure_day_add(*, day: date, name: str) -> ClosureDay:
    """Close the organisation for a day: everyone still here is out of hours on it."""
    closure = ClosureDay(day=day, name=name)
    closure.full_clean()
    closure.save()
    people = list(Person.objects.current().values_list("pk", flat=True))
    Leave.objects.bulk_create(
        Leave(person_id=pk, starts_on=day, ends_on=day, note=name, closure=closure) for pk in people
    )
    application_evidence_changed(person_ids=people)
    return closure


@transaction.atomic
def closure_day_remove(*, closure: ClosureDay) -> None:
    people = list(closure.leaves.values_list("person_id", flat=True))
    closure.delete()  # and its leave rows
    application_evidence_changed(person_ids=people)


def _windows(value: Window | Sequence[Window] | None) -> list[Window]:
    if not value:
        return []
    if isinstance(value[0], time):
        return [cast(Window, value)]
    return list(cast(Sequence[Window], value))


@transaction.atomic
def leave_add(*, person: Person, starts_on: date, ends_on: date, note: str = "") -> Leave:
    leave = Leave(person=person, starts_on=starts_on, ends_on=ends_on, note=note)
    leave.full_clean()
    leave.save()
    application_evidence_changed(person_ids=[person.pk])
    return leave


@transaction.atomic
def leave_delete(*, leave: Leave) -> None:
    leave.delete()
    application_evidence_changed(person_ids=[leave.person_id])


@dataclass
class References:
    """Everything that names a person: what must be changed when they leave."""

    levels: list[tuple[EscalationLevel, list[str]]] = field(default_factory=list)  # level, roles held
    runbooks: list[Runbook] = field(default_factory=list)  # sending to one of those levels
    rules: list[OwnershipRule] = field(default_factory=list)  # taken by one of those levels
    alerts: list[AlertCheck] = field(default_factory=list)  # owned by the person
    known_issues: list[KnownIssue] = field(default_factory=list)  # owned by the person

    @property
    def count(self) -> int:
        return len(self.levels) + len(self.runbooks) + len(self.rules) + len(self.alerts) + len(self.known_issues)


def person_references(person: Person) -> References:
    """Levels naming the person, and the runbooks and rules that send to those levels (five queries)."""
    levels = list(
        EscalationLevel.objects.filter(Q(primary=person) | Q(backup=person) | Q(after_hours_cover=person))
        .select_related("application")
        .order_by("application__name", "position")
    )
    ids = [level.pk for level in levels]
    return References(
        levels=[(level, _roles_of(person, level)) for level in levels],
        runbooks=list(
            Runbook.objects.filter(escalation_level_id__in=ids)
            .select_related("application", "escalation_level")
            .order_by("application__name", "title")
        ),
        rules=list(
            OwnershipRule.objects.filter(level_id__in=ids)
            .select_related("application", "level")
            .order_by("application__name", "name")
        ),
        alerts=list(AlertCheck.objects.filter(owner=person).select_related("application")),
        known_issues=list(KnownIssue.objects.filter(owner=person).select_related("application")),
    )


def _roles_of(person: Person, level: EscalationLevel) -> list[str]:
    roles = []
    if level.primary_id == person.pk:
        roles.append("primary")
    if level.backup_id == person.pk:
        roles.append("backup")
    if level.after_hours_cover_id == person.pk:
        roles.append("after-hours cover")
    return roles


@transaction.atomic
def person_mark_left(*, person: Person, left_on: date) -> References:
    """Record that a person left; every level naming them is stale until someone replaces them."""
    person.left_on = left_on
    person.full_clean()
    person.save()
    references = person_references(person)
    levels_mark_stale(levels=[level for level, _ in references.levels])
    application_evidence_changed(person_ids=[person.pk])
    return references


@transaction.atomic
def levels_mark_stale(*, levels: list[EscalationLevel]) -> list[EscalationLevel]:
    """Mark levels naming someone who left as stale, with who and when; unchanged ones are not saved."""
    now = timezone.now()
    changed = []
    for level in levels:
        reason = level_stale_reason(level)
        if not reason or (level.stale_since is not None and level.stale_reason == reason):
            continue
        level.stale_since = level.stale_since or now
        level.stale_reason = reason
        level.save(update_fields=["stale_since", "stale_reason"])
        changed.append(level)
    application_evidence_changed(application_ids=[level.application_id for level in changed])
    return changed
