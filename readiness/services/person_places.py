"""Where a contact stands on escalation paths, and what follows from it: their verification period
(the shortest over their places) and the leads to tell about them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q

from readiness.models import Application, EscalationLevel, Person, ReminderStep


def verification_days_for(person_ids: Iterable[int]) -> dict[int, int]:
    """The shortest period over every path each person is on; one query for any number of people.

    First-level contacts and after-hours cover get the application's shorter period.
    People on no path get the default period (settings.CONTACT_VERIFICATION_DAYS).
    """
    ids = set(person_ids)
    default = settings.CONTACT_VERIFICATION_DAYS
    days = dict.fromkeys(ids, default)
    on_a_path: set[int] = set()
    rows = EscalationLevel.objects.filter(
        Q(primary_id__in=ids) | Q(backup_id__in=ids) | Q(after_hours_cover_id__in=ids)
    ).values_list(
        "position", "primary_id", "backup_id", "after_hours_cover_id",
        "application__contact_verification_days", "application__first_level_verification_days",
    )
    for position, primary, backup, cover, normal, short in rows:
        for pk, period in ((primary, normal), (backup, normal), (cover, short)):
            if pk in ids:
                period = short if position == 1 else period
                days[pk] = period if pk not in on_a_path else min(days[pk], period)
                on_a_path.add(pk)
    return days


def people_schedule_refresh(*, person_ids: Iterable[int]) -> int:
    """Re-derive verification periods after paths or an application's periods changed.

    A person waiting for their first reminder of the cycle gets a new due date; one already
    being nagged keeps the cadence. Returns how many people changed.
    """
    wanted = verification_days_for(person_ids)
    changed = 0
    people = Person.objects.filter(pk__in=wanted).values_list(
        "pk", "verification_days", "reminder_step", "last_confirmed_at", "created_at", "left_on"
    )
    for pk, current, step, confirmed_at, created_at, left_on in people:
        days = wanted[pk]
        if days == current:
            continue
        update: dict[str, Any] = {"verification_days": days}
        if step == ReminderStep.DUE and left_on is None:
            update["next_reminder_at"] = (confirmed_at or created_at) + timedelta(days=days)
        Person.objects.filter(pk=pk).update(**update)
        changed += 1
    return changed


@dataclass(frozen=True)
class PathPlace:
    level: EscalationLevel
    roles: list[str]
    # Who stands in for them there (their backup), or whom they stand in for (the primary).
    partner: Person | None
    partner_label: str


def person_path_places(person: Person) -> list[PathPlace]:
    """Every level naming the person, with their roles on it and who backs them up there."""
    levels = EscalationLevel.objects.filter(
        Q(primary=person) | Q(backup=person) | Q(after_hours_cover=person)
    ).select_related("application", "primary", "backup", "after_hours_cover").order_by("application__name", "position")
    places = []
    for level in levels:
        roles = [label for pk, label in ((level.primary_id, "primary"), (level.backup_id, "backup"),
                                         (level.after_hours_cover_id, "after-hours cover")) if pk == person.pk]
        if level.primary_id == person.pk:
            places.append(PathPlace(level=level, roles=roles, partner=level.backup, partner_label="backup"))
        else:
            places.append(PathPlace(level=level, roles=roles, partner=level.primary, partner_label="primary"))
    return places


def path_leads(places: list[PathPlace]) -> list[str]:
    """Email addresses of the delivery and support leads of the applications in `places`.

    Loads each place's application with its people first, as the notes to leads show them."""
    apps = Application.objects.with_people().filter(pk__in={p.level.application_id for p in places})
    by_pk = {app.pk: app for app in apps}
    addresses: list[str] = []
    for place in places:
        app = place.level.application = by_pk[place.level.application_id]
        for user in (app.delivery_lead, app.support_lead):
            if user is not None and user.email and user.email not in addresses:
                addresses.append(user.email)
    return addresses
