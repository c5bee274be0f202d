"""Reminders in the demo world: most contacts confirmed recently, three due a reminder now.

Tom Rees (service desk backup), Raj Patel (ERP integration) and Andrea Reyes (the Manila
after-hours cover of the dispatch board) last confirmed just over one verification period ago, so the first sweep
after seeding sends them a reminder. Only the schedule columns change, with .update(): they
are system bookkeeping, not edits, and a second run finds them set and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from readiness.models import Person
from readiness.services.person_places import people_schedule_refresh

DUE_NOW = ["tom.rees@harbourlane.example", "raj.patel@harbourlane.example", "andrea.reyes@harbourlane.example"]


def seed_reminders(today: date) -> None:
    people = list(Person.objects.filter(left_on__isnull=True, last_confirmed_at__isnull=True).order_by("email"))
    if not people:
        return
    # Derive periods first: the due dates below count from them.
    people_schedule_refresh(person_ids=[p.pk for p in people])
    morning = datetime.combine(today, time(9, 0), tzinfo=timezone.get_current_timezone())
    for index, person in enumerate(Person.objects.filter(pk__in=[p.pk for p in people])):
        days = timedelta(days=person.verification_days)
        if person.email in DUE_NOW:
            confirmed = morning - days - timedelta(days=1)
        else:
            confirmed = morning - timedelta(days=3 + (index * 5) % 20)
        Person.objects.filter(pk=person.pk).update(last_confirmed_at=confirmed, next_reminder_at=confirmed + days)
