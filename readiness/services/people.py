"""Teams, people, their working hours and leave, and what happens when someone leaves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from readiness.leavers import References, person_references
from readiness.models import (
    ApiToken,
    EscalationLevel,
    Leave,
    Person,
    Team,
    UserSession,
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


@transaction.atomic
def person_mark_left(*, person: Person, left_on: date) -> References:
    """Record that a person left (or leaves on `left_on`) and flag everything that named them.

    Flags, per kind: each level naming them is marked stale (stored: stale_since and why, until
    an edit names someone else; the lookup passes over them and gate 4 blocks); runbooks and
    rules are flagged through their stale level (they name a level, not the person). Stand-ins,
    alerts, known issues, drill follow-ups, application roles and sign-offs waiting for them name the
    person directly: their flag is the person's leaving date itself, which the gates, the
    checklist's "who must be replaced" and this person's page read, so it lasts exactly as long
    as the item names them. Their sign-in ends once the day has come (leaver_access_end).
    Person's history records it, with what was done. Two identical POSTs at once: the second
    waits on the row lock, then finds them marked and does nothing more.
    """
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.left_on == left_on:
        return person_references(locked)
    person.left_on = left_on
    person.full_clean()
    references = person_references(person)
    ended = leaver_access_end(person=person) if left_on <= timezone.localdate() else (0, 0)
    person._change_reason = _left_reason(references, *ended)  # type: ignore[attr-defined]
    person.save()
    # Loaded again: their people, as now saved, say who left and when (level_stale_reason).
    levels_mark_stale(levels=list(EscalationLevel.objects.filter(pk__in=[level.pk for level in references.levels])
                                  .select_related("primary", "backup", "after_hours_cover")))
    application_evidence_changed(application_ids=references.application_ids, person_ids=[person.pk])
    return references


def _left_reason(references: References, tokens: int, sessions: int) -> str:
    access = f"; sign-in ended, {tokens} API token(s) revoked, {sessions} session(s) ended" \
        if references.user_active or tokens or sessions else ""
    return f"Marked as left: {references.count} item(s) flagged{access}"[:100]


@transaction.atomic
def leaver_access_end(*, person: Person) -> tuple[int, int]:
    """End the sign-in of someone who has left: the account is deactivated, their sessions are
    deleted and their API tokens revoked (each in the token's history). Returns (tokens revoked,
    sessions ended); (0, 0) when they have no account or it was ended already."""
    user = User.objects.select_for_update().filter(pk=person.user_id).first() if person.user_id else None
    if user is None:
        return 0, 0
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    now = timezone.now()
    tokens = list(ApiToken.objects.active().filter(user=user))
    for token in tokens:
        token.revoked_at = now
    bulk_update_with_history(tokens, ApiToken, ["revoked_at"], default_change_reason="Its owner left")
    return len(tokens), user_sessions_end(user_id=user.pk)


def user_sessions_end(*, user_id: int) -> int:
    """Delete the user's sessions (each row says whose it is: models.UserSession): one query."""
    return UserSession.objects.filter(user_pk=user_id).delete()[0]


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


def leavers_access_sweep() -> int:
    """Daily (beat): end the sign-in of everyone whose leaving day has come, who was marked as
    leaving ahead of it (person_mark_left ends it at once for a day already come)."""
    due = list(Person.objects.filter(left_on__lte=timezone.localdate(), user__is_active=True))
    for person in due:
        leaver_access_end(person=person)
    return len(due)
